/* The kernel's functions (accel_kernel.h): none until the interface is defined. */
#include "accel_kernel.h"
