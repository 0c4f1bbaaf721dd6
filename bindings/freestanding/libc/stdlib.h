/*
 * Stand-in for the C library's <stdlib.h>, used only by bindings/cross-build.sh for
 * x86_64-linux-android.
 *
 * The cross-build compiles ring's C without the NDK's libc headers (-nostdlibinc). ring itself
 * needs none of them then, but on x86_64 it includes <immintrin.h>, and clang's own intrinsics
 * headers pull in <stdlib.h> for the inline helpers _mm_malloc and _mm_free. Those helpers only
 * need these two declarations, which match Android's bionic. ring never calls them, so nothing
 * in the archive refers to malloc or free because of this file.
 */
#ifndef CHILDSAFE_FREESTANDING_STDLIB_H
#define CHILDSAFE_FREESTANDING_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void free(void *ptr);

#endif /* CHILDSAFE_FREESTANDING_STDLIB_H */
