/* cat.c: print files named on the command line, read through WASI.
 *
 * The guest sees only the directories the host preopened, e.g.
 *
 *     weft run --dir examples/data::/data examples/cat.wasm /data/greeting.txt
 *
 * Rebuild cat.wasm with examples/build.sh (needs clang, lld, wasi-libc).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int cat(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cat: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "cat: %s: read error\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argc > 0 ? argv[0] : "cat");
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        status |= cat(argv[i]);
    }
    return status;
}
