from .unified import *  # noqa: F401,F403
