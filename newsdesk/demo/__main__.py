"""``python -m newsdesk.demo [--port N]``: serve the sample outlet on 127.0.0.1 to browse it by hand."""

from __future__ import annotations

import argparse
import time

from newsdesk.demo.outlet import DemoOutlet


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Newsdesk demo outlet on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    args = parser.parse_args()
    with DemoOutlet(port=args.port) as outlet:
        print(f"The Harbour Courier is at {outlet.home_url}  (feed: {outlet.feed_url}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
