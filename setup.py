"""The parts of the build pyproject.toml cannot say: the optional C extension, the package list.

``auditviewer._native`` does the per-entry work of reading and verifying
(checking leaves, SHA-256, the chain) in C. It is optional: without a C
compiler the build goes on without it and auditviewer.core.native falls back to
the Python code, which gives the same results more slowly.

The packages are found by setuptools' discovery (every package under
``auditviewer/``, with or without an ``__init__.py``), never listed by hand:
a hand list once left out ``auditviewer.ui.dialogs`` and every installed
viewer died on start (issue 10). pyproject.toml cannot say it because its
``find`` cannot add ``auditviewer.resources``, which lives in the top-level
``resources/`` folder (mapped there by ``package-dir`` in pyproject.toml).
``tests/packaging/test_installed_wheel.py`` installs the built wheel and
imports every module from it.
"""

from setuptools import Extension, find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["auditviewer", "auditviewer.*"]),
        "auditviewer.resources",
    ],
    ext_modules=[
        Extension(
            "auditviewer._native",
            sources=[
                "csrc/module.c",
                "csrc/entry_check.c",
                "csrc/sha256.c",
                "csrc/text_index.c",
            ],
            depends=["csrc/entry_check.h", "csrc/sha256.h", "csrc/text_index.h"],
            extra_compile_args=["-O2", "-std=c11"],
            optional=True,
        )
    ],
)
