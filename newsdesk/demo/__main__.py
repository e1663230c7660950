"""``python -m newsdesk.demo [--port N]``: serve the sample outlets on 127.0.0.1 to browse them by hand."""

from __future__ import annotations

import argparse
import time

from newsdesk.demo.outlet import DemoOutlets


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Newsdesk demo outlets on 127.0.0.1.")
    parser.add_argument(
        "--port", type=int, default=0, help="port of the first outlet, the others follow (0: any free ports)"
    )
    args = parser.parse_args()
    with DemoOutlets(base_port=args.port) as outlets:
        for outlet in outlets:
            print(
                f"{outlet.profile.name} is at {outlet.home_url}  ({outlet.profile.feed_kind}: {outlet.feed_url})"
            )
        print("Ctrl-C stops them")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
