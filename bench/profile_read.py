"""Where a read's time goes: cProfile over N in-process requests (Django test client, no gunicorn).

    python bench/profile_read.py "/catalog/v1/models?gateway=all&limit=50" [--requests 200] [--cold] [--revalidate] [--top 25]

`--cold` uses the always-miss cache (as `BENCH_RESPONSE_CACHE=cold` does under gunicorn).
Prints one JSON object with the profile text.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile one read endpoint in-process.")
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--revalidate", action="store_true", help="send If-None-Match with the ETag of a first request")
    args = parser.parse_args(argv)
    if args.cold:
        os.environ["BENCH_RESPONSE_CACHE"] = "cold"
    setup_django()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    first = client.get(args.path)
    headers = {"If-None-Match": first.headers.get("ETag", "")} if args.revalidate else {}
    status = client.get(args.path, headers=headers).status_code
    if status >= 400:
        raise SystemExit(f"{args.path} answered {status}; nothing to profile")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path, headers=headers)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(json.dumps({"path": args.path, "status": status, "requests": args.requests, "profile": out.getvalue()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
