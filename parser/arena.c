#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (256u * 1024u)
#define ALIGN 16u

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

typedef struct adopted {
    struct adopted *next;
    void *block;
} adopted;

struct pv_arena {
    chunk *chunks;
    adopted *blocks;
    size_t bytes;
};

pv_arena *pv_arena_new(void)
{
    return calloc(1, sizeof(pv_arena));
}

void pv_arena_free(pv_arena *arena)
{
    if (!arena) return;
    for (chunk *c = arena->chunks; c;) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    for (adopted *a = arena->blocks; a;) {
        adopted *next = a->next;
        free(a->block);
        free(a);
        a = next;
    }
    free(arena);
}

/* Returns size bytes aligned to align (a power of two up to ALIGN). */
static void *alloc_aligned(pv_arena *arena, size_t size, size_t align)
{
    if (size == 0) size = 1;
    chunk *c = arena->chunks;
    size_t start = c ? (c->used + align - 1) & ~(align - 1) : 0;
    if (!c || start > c->size || c->size - start < size) {
        /* Big requests get a chunk of their own, placed behind the current one
         * so that the current chunk's free space is not wasted. */
        size_t want =
            size > CHUNK_SIZE / 4 ? (size + ALIGN - 1) & ~(size_t)(ALIGN - 1) : CHUNK_SIZE;
        if (want > SIZE_MAX - sizeof(chunk)) return NULL;
        chunk *fresh = malloc(sizeof(chunk) + want);
        if (!fresh) return NULL;
        fresh->size = want;
        fresh->used = 0;
        arena->bytes += want;
        if (c && want != CHUNK_SIZE) {
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            arena->chunks = fresh;
        }
        c = fresh;
        start = 0;
    }
    void *p = c->data + start;
    c->used = start + size;
    return p;
}

void *pv_arena_alloc(pv_arena *arena, size_t size)
{
    return alloc_aligned(arena, size, ALIGN);
}

char *pv_arena_strndup(pv_arena *arena, const char *s, size_t len)
{
    /* Strings need no alignment, and names are most of a profile's bytes. */
    char *copy = alloc_aligned(arena, len + 1, 1);
    if (!copy) return NULL;
    if (len) memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

int pv_arena_adopt(pv_arena *arena, void *block)
{
    if (!block) return 0;
    adopted *a = malloc(sizeof *a);
    if (!a) {
        free(block);
        return -1;
    }
    a->block = block;
    a->next = arena->blocks;
    arena->blocks = a;
    return 0;
}

size_t pv_arena_bytes(const pv_arena *arena)
{
    return arena->bytes;
}
