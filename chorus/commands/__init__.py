"""Commands of the later stages, one module per area, each with ``register(cli)``.

``LAZY_COMMANDS`` names the module of every command, so ``chorus export`` imports the export
module alone; a test checks that it lists exactly what the modules register.
"""

LAZY_COMMANDS = {
    "check": "check",
    "deadline": "workflow",
    "engines": "pretranslate",
    "export": "export",
    "glossary": "pretranslate",
    "history": "workflow",
    "index": "index",
    "merge-driver": "git",
    "pretranslate": "pretranslate",
    "report": "report",
    "revert": "workflow",
    "search": "index",
    "serve": "serve",
    "sync": "git",
    "tm": "memory",
    "user": "user",
    "worker": "workflow",
}
