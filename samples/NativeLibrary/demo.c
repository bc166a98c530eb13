/* Loads a sentiment model through the native library and prints one probability per sentence (%.9g, so the figures
 * can be compared bit for bit), then checks that bad handles and bad input return error codes.
 * Build: gcc -O2 demo.c -L DIR -l:liblstmgen_sentiment.so -Wl,-rpath,DIR -o demo      Run: ./demo MODEL "sentence" ... */
#include <stdio.h>
#include <string.h>
#include "lstmgen.h"

static int expect(int32_t got, int32_t want, const char *what) {
    if (got == want) return 0;
    fprintf(stderr, "FAIL %s: status %d, expected %d (%s)\n", what, got, want, lstmgen_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL SENTENCE...\n", argv[0]); return 2; }
    lstmgen_handle model;
    if (lstmgen_open(argv[1], &model) != LSTMGEN_OK) { fprintf(stderr, "open: %s\n", lstmgen_last_error()); return 1; }
    int32_t vocabulary, length, outputs;
    lstmgen_info(model, &vocabulary, &length, &outputs);
    printf("model: vocabulary %d, sequence %d, outputs %d\n", vocabulary, length, outputs);
    for (int i = 2; i < argc; i++) {
        float p;
        if (lstmgen_predict_text(model, argv[i], &p, 1) != LSTMGEN_OK) { fprintf(stderr, "predict: %s\n", lstmgen_last_error()); return 1; }
        printf("%.9g\t%s\n", p, argv[i]);
    }

    /* Error paths: each must return its code and leave the process running. */
    int failures = 0;
    int32_t tokens[3] = {5, 7, 1000000};
    float out[4];
    failures += expect(lstmgen_predict(model, tokens, 3, out, 1), LSTMGEN_ERROR_INPUT, "token id out of range");
    failures += expect(lstmgen_predict(model, tokens, 2, out, 0), LSTMGEN_ERROR_ARGUMENT, "output buffer too small");
    failures += expect(lstmgen_predict(model, NULL, 2, out, 1), LSTMGEN_ERROR_ARGUMENT, "null tokens");
    failures += expect(lstmgen_predict(model, tokens, length + 1, out, 1), LSTMGEN_ERROR_INPUT, "sequence too long");
    failures += expect(lstmgen_predict(12345, tokens, 2, out, 1), LSTMGEN_ERROR_HANDLE, "made-up handle");
    failures += expect(lstmgen_predict_text(model, "\xff\xfe", out, 1), LSTMGEN_ERROR_INPUT, "invalid UTF-8");
    failures += expect(lstmgen_open("/nonexistent/model.lstmgen", &(lstmgen_handle){0}), LSTMGEN_ERROR_FILE, "missing file");
    failures += expect(lstmgen_predict(model, tokens, 2, out, 1), LSTMGEN_OK, "valid call after errors");
    if (strlen(lstmgen_last_error()) != 0) { fprintf(stderr, "FAIL the last error is not cleared by success\n"); failures++; }
    failures += expect(lstmgen_close(model), LSTMGEN_OK, "close");
    failures += expect(lstmgen_close(model), LSTMGEN_ERROR_HANDLE, "double close");
    failures += expect(lstmgen_predict(model, tokens, 2, out, 1), LSTMGEN_ERROR_HANDLE, "use after close");
    printf("error paths: %s\n", failures == 0 ? "all returned their codes" : "FAILED");
    return failures == 0 ? 0 : 1;
}
