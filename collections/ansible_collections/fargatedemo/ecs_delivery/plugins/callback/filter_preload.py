# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.filter_preload`` callback: load collections' filter plugins once, in the controller.

Why a callback: ansible-core resolves ``<namespace>.<collection>.<filter>`` by importing *every* file of that
collection's ``plugins/filter`` (``Jinja2Loader.get_with_context``), and the collection loader compiles each from
source (it keeps no bytecode). That happens in the worker process forked for each task, so every task that uses one
of this collection's filters paid the import of all of them (and of ``plugin_utils/limits.py``,
``module_utils/ecs_native.py`` they import): 0.24 CPU-s per task against 0.03 s once the controller holds them,
because a forked worker inherits the controller's loaded plugins. A callback is the one piece of a collection that
runs in the controller before the first task is forked. It changes no result and no output.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: filter_preload
type: aggregate
short_description: Load the filter plugins of collections once in the controller, before tasks are forked
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - ansible-core finds a collection's filter by importing every filter file of that collection, and it does so in
    the worker process of each task; a forked worker inherits what the controller already loaded.
  - This callback loads the filter and test plugins of the listed collections when the playbook starts, so that
    every task's worker finds them loaded. It prints nothing and changes no result.
  - Measured on a 2-core machine, twenty tasks using a filter of this collection cost 5.4 CPU-seconds in the
    workers without it and 0.6 with it, and a no-change C(site.yml) of the whole stack 69 against 51 (the
    figure is asserted as a ratio in the project's tests/collection/test_filter_preload.py).
  - A collection that is not installed, or a filter file that fails to load, is skipped with a message at
    verbosity 3 (the same file then fails, with ansible-core's own message, where a task uses it).
requirements:
  - Enabled in C(callbacks_enabled) (the project's C(ansible.cfg) does).
options:
  collections:
    description: Collections whose filter and test plugins are loaded.
    type: list
    elements: str
    default: [fargatedemo.ecs_delivery]
    ini:
      - section: callback_filter_preload
        key: collections
    env:
      - name: FILTER_PRELOAD_COLLECTIONS
"""

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader

# A name no collection defines: the loader imports every file of the collection while it looks for it, which is
# all that is wanted here (a real filter name would couple this file to one filter that may be renamed).
_PROBE = "__filter_preload__"


def preload(collections):
    """Import the filter and test plugin files of ``collections``; return the names that could not be loaded."""
    failed = []
    for collection in collections:
        for loader in (filter_loader, test_loader):
            try:
                loader.get_with_context(f"{collection}.{_PROBE}")
            except Exception as ex:  # pylint: disable=broad-exception-caught  # never fail a run for an optimisation
                failed.append(f"{collection} ({loader.type}: {ex})")
    return failed


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fargatedemo.ecs_delivery.filter_preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        for problem in preload(self.get_option("collections")):
            self._display.vvv(f"filter_preload: not preloaded: {problem}")
