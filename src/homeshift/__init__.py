"""homeshift: move an office workforce to home office in waves, safely.

The core (this package) imports without Ansible: roster, planning, ASA and Windows logic, the lab.
"""

__version__ = "0.1.0"
