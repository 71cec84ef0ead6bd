/* The entry text's n-gram bitmaps for the store's word index (auditviewer/store/text_index.py). */
#ifndef AUDITVIEWER_TEXT_INDEX_H
#define AUDITVIEWER_TEXT_INDEX_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern const char text_grams_doc[];
PyObject *text_grams(PyObject *self, PyObject *args);

#endif
