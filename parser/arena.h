/* arena.h: the single owner of everything one parsed profile holds.
 *
 * An arena hands out memory from large chunks and frees all of it at once
 * with pv_arena_free(); nothing allocated from it is freed on its own. Large
 * arrays that were grown with realloc while parsing can be handed over with
 * pv_arena_adopt(), after which the arena frees them too. An arena is not
 * thread-safe while it is being filled; once the profile it belongs to is
 * finished it is only read.
 */
#ifndef PV_ARENA_H
#define PV_ARENA_H

#include <stddef.h>

typedef struct pv_arena pv_arena;

/* Returns a new empty arena, or NULL when out of memory. */
pv_arena *pv_arena_new(void);

/* Frees every chunk and adopted block, then the arena itself. NULL is fine. */
void pv_arena_free(pv_arena *arena);

/* Returns size bytes aligned for any type, or NULL when out of memory. The
 * memory is not zeroed. */
void *pv_arena_alloc(pv_arena *arena, size_t size);

/* Returns a NUL-terminated copy of the len bytes at s, or NULL when out of
 * memory. */
char *pv_arena_strndup(pv_arena *arena, const char *s, size_t len);

/* Makes the arena responsible for freeing block (from malloc). Returns 0, or
 * -1 when out of memory, in which case block is freed at once. */
int pv_arena_adopt(pv_arena *arena, void *block);

/* Bytes the arena holds in its chunks (adopted blocks are not counted). */
size_t pv_arena_bytes(const pv_arena *arena);

#endif
