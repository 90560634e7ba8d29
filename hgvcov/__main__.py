"""``python -m hgvcov`` is the ``hgvcov`` command."""
import sys

from hgvcov.cli import main

if __name__ == "__main__":
    sys.exit(main())
