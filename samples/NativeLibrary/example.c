/* Loads the native library through lstmgen.h: saves a seeded model, loads it back from the file, predicts the inputs of
 * ManagedReference/Program.cs (printing each output's bits, which must equal the C# ones), then checks that bad handles
 * and bad input return error codes. Build: gcc -O2 -o example example.c -L. -l:NativeLibrary.so -Wl,-rpath,'$ORIGIN'
 * Usage: ./example MODEL_PATH   (exit code 0 when every check passes) */
#include <stdio.h>
#include <string.h>
#include "lstmgen.h"

static int failures = 0;

static void expect(int32_t got, int32_t want, const char* what)
{
    if (got != want) {
        printf("FAIL  %s: status %d, expected %d (%s)\n", what, got, want, lstmgen_last_error());
        failures++;
    } else if (want != LSTMGEN_OK && lstmgen_last_error()[0] == '\0') {
        printf("FAIL  %s: no error message\n", what);
        failures++;
    }
}

static unsigned bits(float f)
{
    unsigned u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int main(int argc, char** argv)
{
    if (argc != 2) { fprintf(stderr, "usage: %s MODEL_PATH\n", argv[0]); return 2; }
    fprintf(stderr, "%s\n", lstmgen_kernel_path());
    lstmgen_handle seeded, model;
    expect(lstmgen_create_seeded(42, &seeded), LSTMGEN_OK, "create_seeded");
    expect(lstmgen_save(seeded, argv[1]), LSTMGEN_OK, "save");
    expect(lstmgen_free(seeded), LSTMGEN_OK, "free");
    expect(lstmgen_create(argv[1], &model), LSTMGEN_OK, "create from the file");
    int32_t vocabulary, length, outputs;
    expect(lstmgen_shape(model, &vocabulary, &length, &outputs), LSTMGEN_OK, "shape");
    if (outputs != 1 || length > 64) { printf("FAIL  unexpected shape\n"); return 1; }

    int32_t tokens[64 * 4];
    float y[4];
    const int32_t lengths[4] = { 3, 8, length, 1 };
    for (int r = 0; r < 4; r++) {
        for (int i = 0; i < lengths[r]; i++) tokens[i] = (r * 37 + i * 11 + 1) % vocabulary;
        expect(lstmgen_predict(model, tokens, lengths[r], y, 1), LSTMGEN_OK, "predict");
        printf("row %d: %08x\n", r, bits(y[0]));
    }
    for (int k = 0; k < 4 * length; k++) tokens[k] = (k / length * 13 + k % length * 7) % vocabulary;
    expect(lstmgen_predict_batch(model, tokens, 4, y, 4), LSTMGEN_OK, "predict_batch");
    for (int r = 0; r < 4; r++) printf("batch %d: %08x\n", r, bits(y[r]));

    /* Bad handles and bad input: error codes and messages, never a crash. */
    expect(lstmgen_predict(model + 1000, tokens, 3, y, 1), LSTMGEN_BAD_HANDLE, "predict on an invented handle");
    expect(lstmgen_predict(model, NULL, 3, y, 1), LSTMGEN_BAD_ARGUMENT, "predict with NULL tokens");
    expect(lstmgen_predict(model, tokens, 3, NULL, 1), LSTMGEN_BAD_ARGUMENT, "predict with NULL outputs");
    expect(lstmgen_predict(model, tokens, length + 1, y, 1), LSTMGEN_BAD_ARGUMENT, "predict a sequence that is too long");
    expect(lstmgen_predict(model, tokens, -1, y, 1), LSTMGEN_BAD_ARGUMENT, "predict a negative count");
    expect(lstmgen_predict(model, tokens, 3, y, 0), LSTMGEN_BAD_ARGUMENT, "predict into no room");
    expect(lstmgen_predict_batch(model, tokens, 4, y, 3), LSTMGEN_BAD_ARGUMENT, "predict_batch into too little room");
    tokens[1] = vocabulary;
    expect(lstmgen_predict(model, tokens, 3, y, 1), LSTMGEN_BAD_TOKEN, "predict a token past the vocabulary");
    tokens[1] = -5;
    expect(lstmgen_predict(model, tokens, 3, y, 1), LSTMGEN_BAD_TOKEN, "predict a negative token");
    lstmgen_handle none;
    expect(lstmgen_create("/nonexistent/model.lstmgen", &none), LSTMGEN_BAD_FILE, "create from a missing file");
    expect(lstmgen_create(argv[0], &none), LSTMGEN_BAD_FILE, "create from a file that is not a model");
    expect(lstmgen_create(NULL, &none), LSTMGEN_BAD_ARGUMENT, "create with a NULL path");
    expect(lstmgen_free(model), LSTMGEN_OK, "free");
    expect(lstmgen_free(model), LSTMGEN_BAD_HANDLE, "free twice");
    expect(lstmgen_predict(model, tokens, 3, y, 1), LSTMGEN_BAD_HANDLE, "predict after free");
    if (failures == 0) fprintf(stderr, "example.c: every check passed\n");
    return failures == 0 ? 0 : 1;
}
