"""`python -m devtools.rasa_cli ARGS…` is `rasa ARGS…` without the third-party import warnings.

The Makefile runs Rasa's commands through it (``RASA``), so `make validate` and `make train` print
what Rasa says about our data and not pytest.ini's list of dependency noise (devtools.noise).
"""
import sys

from devtools.noise import silence_third_party_warnings

silence_third_party_warnings()

from rasa.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    main()
