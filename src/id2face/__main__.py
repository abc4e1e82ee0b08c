"""`python -m id2face`: the CLI, so that launchers such as `accelerate launch -m id2face` and
`torchrun -m id2face` can start it."""

import sys

from id2face.cli.main import main

sys.exit(main())
