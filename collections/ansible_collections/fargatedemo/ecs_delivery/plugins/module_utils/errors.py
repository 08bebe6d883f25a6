# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error-handling skeleton of this collection's modules (amazon.aws's module_utils/errors.py pattern).

* Every AWS call is a small function in module_utils decorated with ``@aws_call("describe project {name}")``:
  a botocore error becomes an ``AnsibleAWSError`` whose message names what failed (the description, formatted
  with the function's arguments), and the error codes given as ``missing`` return ``default`` instead (the
  resource is not there).
* A failure that is not an AWS error (bad input, a resource in a state the module cannot work with) is raised
  as ``ModuleFailure(msg, **result)``.
* Helpers return values and never end the module. ``main`` is short and ends with ``run``, which holds the
  collection's only ``except`` of these errors (written once here rather than in every ``main``)::

      ensure = ensure_present if module.params["state"] == "present" else ensure_absent
      run(module, ensure, client)
"""

from __future__ import annotations

import functools
import inspect
import string

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

__all__ = ["AnsibleAWSError", "ModuleFailure", "aws_call", "fail", "run"]


class ModuleFailure(AnsibleAWSError):
    """A failure to report with fail_json and no AWS exception; ``result`` keys are returned with it."""

    def __init__(self, message, **result):
        super().__init__(message=message)
        self.kwargs = result


class _Arguments(dict):
    """format_map() mapping that leaves unknown fields as they are written."""

    def __missing__(self, key):
        return "{" + key + "}"


def _describe(description, func, args, kwargs):
    fields = [name for _text, name, _spec, _conv in string.Formatter().parse(description) if name]
    if not fields:
        return description
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs).arguments
    except TypeError:
        bound = kwargs
    try:
        return description.format_map(_Arguments(bound))
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        return description


def aws_call(description, missing=None, default=None, explain=None):
    """Decorate one AWS call: errors name ``description`` ("Failed to <description>: <AWS message>").

    ``description`` may name the function's arguments (``"get deployment {deployment_id}"``). Error codes in
    ``missing`` (a code or a list) return ``default``: the Get/Describe of something that is not there.
    ``explain`` maps an error code to the message that says what it means here (arguments may be named too).
    """

    missing_codes = [missing] if isinstance(missing, str) else list(missing or [])
    explained_codes = list(explain or {})

    def wrapper(func):
        @functools.wraps(func)
        def handler(*args, **kwargs):
            @AWSErrorHandler.common_error_handler(_describe(description, func, args, kwargs))
            def call():
                try:
                    return func(*args, **kwargs)
                except is_boto3_error_code(missing_codes):
                    return default
                except is_boto3_error_code(explained_codes) as e:
                    code = e.response["Error"]["Code"]
                    raise AnsibleAWSError(message=_describe(explain[code], func, args, kwargs), exception=e) from e

            return call()

        return handler

    return wrapper


def fail(module, error):
    """End the module for an ``AnsibleAWSError`` (from ``aws_call``) or a ``ModuleFailure``."""
    if error.exception is not None:
        module.fail_json_aws(error.exception, msg=error.message, **error.kwargs)
    module.fail_json(msg=error.message or str(error), **error.kwargs)


def run(module, handler, *args):
    """End the module with ``handler(module, *args)``'s result, or with the failure it raised.

    ``handler`` is ``ensure_present``/``ensure_absent`` (``read`` for an ``_info`` module): it returns the result
    dict, or raises an ``AnsibleAWSError`` (from ``aws_call``) or a ``ModuleFailure``.
    """
    try:
        result = handler(module, *args)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(**result)
