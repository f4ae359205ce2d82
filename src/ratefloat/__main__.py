"""``python -m ratefloat``: the same command as ``ratefloat``."""

import sys

from .cli import main

sys.exit(main())
