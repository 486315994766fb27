/*
 * Preloaded (LD_PRELOAD) into a child process by UninitialisedMemoryTests: every block that posix_memalign hands out,
 * which is how libtorch's CPU allocator gets tensor memory, starts filled with 0xFF bytes, a NaN in float32. A kernel
 * that reads memory nobody wrote then turns its result to NaN every time instead of now and then.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

int posix_memalign(void **block, size_t alignment, size_t size)
{
    static int (*next)(void **, size_t, size_t);
    if (!next)
        next = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    int result = next(block, alignment, size);
    if (result == 0 && *block)
        memset(*block, 0xFF, size);
    return result;
}
