/* marshal_walk.c: the floor for reading a .prof file.
 *
 *   marshal_walk FILE
 *
 * Maps FILE and tokenizes its marshal stream once: every object's type,
 * length or count is read and its value decoded (ints, floats, the span of a
 * string), objects flagged for reference get a slot, and a back-reference
 * is looked up in the slot table to the token it stands for; every value
 * goes into a checksum so that none of it can be skipped. Nothing is built:
 * no strings copied or checked, no functions, no edges, no containers
 * replayed. `profviz report` does this much and also builds the model, so
 * the ratio of the two times (bench_report.sh prints it) is what the model
 * costs above the bytes. Prints the counts and the checksum, and exits 1 on
 * a malformed stream. Code objects (the profile module's names in some
 * versions) are not walked: the benchmark file has none.
 *
 * Written for the benchmark only (not installed); it trusts nothing and
 * checks every length against the end of the file.
 */
#define _DEFAULT_SOURCE /* madvise */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 2000

typedef struct frame {
    int64_t left; /* children still to come; -1: a dict, until its NULL */
} frame;

static const unsigned char *base;
static size_t pos, size;
static uint64_t checksum;

/* The value of each object flagged for reference, by slot (what a
 * back-reference to it stands for). */
static uint64_t *slots;
static size_t nslots, slots_cap;

static int64_t add_slot(void)
{
    if (nslots == slots_cap) {
        slots_cap = slots_cap ? slots_cap * 2 : 1 << 16;
        slots = realloc(slots, slots_cap * sizeof *slots);
        if (!slots) return -1;
    }
    slots[nslots] = 0;
    return (int64_t)nslots++;
}

static int need(size_t n)
{
    if (size - pos < n) {
        fprintf(stderr, "marshal_walk: truncated at byte %zu\n", pos);
        return -1;
    }
    return 0;
}

static int32_t i32(void)
{
    uint32_t v = (uint32_t)base[pos] | (uint32_t)base[pos + 1] << 8 |
                 (uint32_t)base[pos + 2] << 16 | (uint32_t)base[pos + 3] << 24;
    pos += 4;
    return (int32_t)v;
}

static uint64_t u64(void)
{
    uint64_t v;
    memcpy(&v, base + pos, 8);
    pos += 8;
    return v;
}

/* The token a back-reference stands for. Returns its value, or sets *bad. */
static uint64_t referenced(uint32_t slot, int *bad)
{
    if (slot >= nslots) {
        fprintf(stderr, "marshal_walk: reference to slot %u of %zu at byte %zu\n", slot, nslots,
                pos);
        *bad = 1;
        return 0;
    }
    return slots[slot];
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: marshal_walk FILE\n", stderr);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 2;
    }
    size = (size_t)st.st_size;
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (size && map == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    close(fd);
    base = map;
    madvise(map, size, MADV_SEQUENTIAL);

    static frame stack[MAX_DEPTH];
    int depth = 0;
    uint64_t objects = 0, refs = 0;
    do {
        /* One object; a container pushes a frame for its children. */
        if (need(1)) return 1;
        unsigned char code = base[pos] & 0x7f;
        int64_t slot = base[pos] & 0x80 ? add_slot() : -2;
        if (slot == -1) return 2;
        pos++;
        objects++;
        int64_t children = 0;
        uint64_t value = code; /* a token's value: the number, or the string's length */
        int bad = 0;
        switch (code) {
        case '0': /* NULL: ends a dict */
            if (depth == 0 || stack[depth - 1].left != -1) {
                fprintf(stderr, "marshal_walk: NULL outside a dict at byte %zu\n", pos - 1);
                return 1;
            }
            depth--;
            objects--;
            goto next;
        case 'N':
        case 'F':
        case 'T':
        case 'S':
        case '.': break;
        case 'i':
            if (need(4)) return 1;
            value = (uint32_t)i32();
            break;
        case 'I':
        case 'g':
            if (need(8)) return 1;
            value = u64();
            break;
        case 'y':
            if (need(16)) return 1;
            value = u64();
            value += u64();
            break;
        case 'r':
        case 'R':
            if (need(4)) return 1;
            value = referenced((uint32_t)i32(), &bad);
            if (bad) return 1;
            refs++;
            break;
        case 'l': {
            if (need(4)) return 1;
            int32_t n = i32();
            int64_t digits = n < 0 ? -(int64_t)n : n;
            if (need((size_t)digits * 2)) return 1;
            for (int64_t k = 0; k < digits; k++, pos += 2)
                value += (uint64_t)(base[pos] | base[pos + 1] << 8) << (15 * (k % 4));
            break;
        }
        case 'f':
        case 'z':
        case 'Z':
            if (need(1)) return 1;
            pos++;
            if (need(base[pos - 1])) return 1;
            value = base[pos - 1] + (base[pos - 1] ? base[pos] : 0);
            pos += base[pos - 1];
            break;
        case 's':
        case 't':
        case 'u':
        case 'a':
        case 'A': {
            if (need(4)) return 1;
            int32_t n = i32();
            if (n < 0 || need((size_t)n)) return 1;
            value = (uint64_t)n + (n ? base[pos] : 0);
            pos += (size_t)n;
            break;
        }
        case ')':
            if (need(1)) return 1;
            children = base[pos++];
            break;
        case '(':
        case '[':
        case '<':
        case '>': {
            if (need(4)) return 1;
            int32_t n = i32();
            if (n < 0) return 1;
            children = n;
            break;
        }
        case '{': children = -1; break;
        default:
            fprintf(stderr, "marshal_walk: type code 0x%02x at byte %zu is not walked\n", code,
                    pos - 1);
            return 1;
        }
        checksum += value;
        if (slot >= 0) slots[slot] = value;
        if (children != 0) {
            if (depth == MAX_DEPTH) return 1;
            stack[depth++].left = children;
            continue; /* its first child is next */
        }
    next:
        /* An object is done: count it off its container, closing the ones it
         * completes. */
        while (depth > 0 && stack[depth - 1].left > 0 && --stack[depth - 1].left == 0)
            depth--;
    } while (depth > 0);
    if (pos != size) fprintf(stderr, "marshal_walk: %zu bytes after the object\n", size - pos);
    printf("marshal_walk: %llu objects, %llu back-references, %zu bytes, checksum %016llx\n",
           (unsigned long long)objects, (unsigned long long)refs, size,
           (unsigned long long)checksum);
    free(slots);
    return 0;
}
