"""``python -m functrans cache info`` (what jit's disk cache holds) and ``python -m functrans cache clear``."""
from __future__ import annotations

import argparse
import json
import sys

from .backend.cache import cache_info, clear_disk_cache
from .config import config


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["cache", "clear", "--dir", "/nonexistent/functrans"])
    removed 0 files from /nonexistent/functrans
    0
    """
    parser = argparse.ArgumentParser(prog="python -m functrans", description="functrans utilities")
    commands = parser.add_subparsers(dest="group", required=True)
    cache = commands.add_parser("cache", help="jit's disk cache of compiled programs")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--dir", default=None, help=f"cache directory (default config.cache_dir, now {config.cache_dir})")
    args = parser.parse_args(argv)
    if args.action == "info":
        print(json.dumps(cache_info(args.dir), indent=2))
    else:
        directory = args.dir or config.cache_dir
        print(f"removed {clear_disk_cache(directory)} files from {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
