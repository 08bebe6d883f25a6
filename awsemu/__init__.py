"""awsemu: the project's local AWS emulator, a test double of AWS.

moto's server does most of the work; this package wraps its WSGI application with a thin
dispatcher (``awsemu.server``) that answers the (service, action) pairs we own and passes
everything else to moto unchanged. One module per extended service lives in
``awsemu.services``; each registers its handlers with the decorators of ``awsemu.core``.

Anything that is not an AWS API (health, clock, fault injection, request log) sits under the
``/_emulator/`` path prefix and is never used by roles or modules.
"""

__all__ = ["core", "server"]
