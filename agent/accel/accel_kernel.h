/*
 * The kernel's functions (accel_kernel.c), as the module lists them.  HI_KERNEL_INTERFACE is the
 * version of the interface they implement: the loader uses the module only when it equals its own
 * (heap_inspector_agent/accel_loader.py INTERFACE).
 */
#ifndef HI_ACCEL_KERNEL_H
#define HI_ACCEL_KERNEL_H

#include <Python.h>

#define HI_KERNEL_INTERFACE 0

#define HI_KERNEL_METHODS

#endif
