// Hello, world in C, compiled to a WASI command (see build.sh):
//
//   weft run examples/hello-c/hello.wasm
#include <stdio.h>

int main(void) {
    printf("Hello, World!\n");
    return 0;
}
