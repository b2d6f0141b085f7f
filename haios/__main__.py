import sys

from haios.cli.main import main

sys.exit(main())
