"""`python -m openssm.agent register|run|status`: the agent without the server's CLI imports."""

import sys

from openssm.agent.cli import main

sys.exit(main())
