"""The one part of the build pyproject.toml cannot say: the optional C extension.

``auditviewer._native`` does the per-entry work of reading and verifying
(checking leaves, SHA-256, the chain) in C. It is optional: without a C
compiler the build goes on without it and auditviewer.core.native falls back to
the Python code, which gives the same results more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "auditviewer._native",
            sources=[
                "csrc/module.c",
                "csrc/entry_check.c",
                "csrc/sha256.c",
            ],
            depends=["csrc/entry_check.h", "csrc/sha256.h"],
            extra_compile_args=["-O2", "-std=c11"],
            optional=True,
        )
    ],
)
