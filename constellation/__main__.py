"""``python -m constellation`` is ``hgvcov``."""
import sys

from constellation.cli import main

if __name__ == "__main__":
    sys.exit(main())
