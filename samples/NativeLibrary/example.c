/* Loads the native library through lstmgen.h: saves a seeded model, loads it back from the file, predicts the inputs of
 * ManagedReference/Program.cs (printing each output's bits, which must equal the C# ones), then checks that bad handles
 * and bad input return error codes; streams row 1's tokens through a state (lstmgen_step, printing each output's bits),
 * checks the last equals lstmgen_predict's and that a state saved in a model file and loaded back continues bit for bit.
 * Build: gcc -O2 -o example example.c -L. -l:NativeLibrary.so -Wl,-rpath,'$ORIGIN'
 * Usage: ./example MODEL_PATH   (exit code 0 when every check passes) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    unsigned predicted[4];
    const int32_t lengths[4] = { 3, 8, length, 1 };
    for (int r = 0; r < 4; r++) {
        for (int i = 0; i < lengths[r]; i++) tokens[i] = (r * 37 + i * 11 + 1) % vocabulary;
        expect(lstmgen_predict(model, tokens, lengths[r], y, 1), LSTMGEN_OK, "predict");
        printf("row %d: %08x\n", r, bits(y[0]));
        predicted[r] = bits(y[0]);
    }
    for (int k = 0; k < 4 * length; k++) tokens[k] = (k / length * 13 + k % length * 7) % vocabulary;
    expect(lstmgen_predict_batch(model, tokens, 4, y, 4), LSTMGEN_OK, "predict_batch");
    for (int r = 0; r < 4; r++) printf("batch %d: %08x\n", r, bits(y[r]));

    /* Streaming: row 1's 8 tokens one at a time through a state; after the last, the output is row 1's prediction. */
    int32_t stream[8];
    unsigned streamed[8];
    for (int i = 0; i < 8; i++) stream[i] = (1 * 37 + i * 11 + 1) % vocabulary;
    lstmgen_state state, resumed;
    int32_t state_size;
    expect(lstmgen_state_size(&state_size), LSTMGEN_OK, "state_size");
    float* saved = malloc(sizeof(float) * (size_t)state_size);
    float* check = malloc(sizeof(float) * (size_t)state_size);
    if (saved == NULL || check == NULL) return 2;
    int64_t saved_steps = -1;
    expect(lstmgen_state_create(model, &state), LSTMGEN_OK, "state_create");
    for (int i = 0; i < 8; i++) {
        expect(lstmgen_step(model, state, stream[i], y, 1), LSTMGEN_OK, "step");
        streamed[i] = bits(y[0]);
        printf("step %d: %08x\n", i, streamed[i]);
        if (i == 3) expect(lstmgen_state_get(state, saved, state_size, &saved_steps), LSTMGEN_OK, "state_get");
    }
    if (streamed[7] != predicted[1]) { printf("FAIL  the streamed output %08x is not predict's %08x\n", streamed[7], predicted[1]); failures++; }
    if (saved_steps != 4) { printf("FAIL  state_get gave %lld steps, expected 4\n", (long long)saved_steps); failures++; }
    /* The state after 4 tokens, set back (values and step count), continues bit for bit. */
    expect(lstmgen_state_set(state, saved, state_size, saved_steps), LSTMGEN_OK, "state_set");
    for (int i = 4; i < 8; i++) {
        expect(lstmgen_step(model, state, stream[i], y, 1), LSTMGEN_OK, "step after state_set");
        if (bits(y[0]) != streamed[i]) { printf("FAIL  step %d after state_set: %08x, expected %08x\n", i, bits(y[0]), streamed[i]); failures++; }
    }
    /* A model file with the state after 4 tokens: a restarted device loads both and continues bit for bit. */
    char state_path[4096];
    snprintf(state_path, sizeof state_path, "%s.state", argv[1]);
    expect(lstmgen_state_set(state, saved, state_size, saved_steps), LSTMGEN_OK, "state_set");
    expect(lstmgen_save_with_state(model, state, state_path), LSTMGEN_OK, "save_with_state");
    lstmgen_handle restarted;
    expect(lstmgen_create_with_state(state_path, &restarted, &resumed), LSTMGEN_OK, "create_with_state");
    int64_t resumed_steps = -1;
    expect(lstmgen_state_get(resumed, check, state_size, &resumed_steps), LSTMGEN_OK, "state_get of the loaded state");
    if (resumed_steps != 4 || memcmp(check, saved, sizeof(float) * (size_t)state_size) != 0) { printf("FAIL  the loaded state differs\n"); failures++; }
    for (int i = 4; i < 8; i++) {
        expect(lstmgen_step(restarted, resumed, stream[i], y, 1), LSTMGEN_OK, "step after create_with_state");
        if (bits(y[0]) != streamed[i]) { printf("FAIL  resumed step %d: %08x, expected %08x\n", i, bits(y[0]), streamed[i]); failures++; }
    }
    expect(lstmgen_free(restarted), LSTMGEN_OK, "free the restarted model");
    remove(state_path);
    /* Reset, then one token: predict's row 3 (a one-token sequence). */
    expect(lstmgen_state_reset(state), LSTMGEN_OK, "state_reset");
    expect(lstmgen_step(model, state, (3 * 37 + 1) % vocabulary, y, 1), LSTMGEN_OK, "step after reset");
    if (bits(y[0]) != predicted[3]) { printf("FAIL  step after reset: %08x, expected %08x\n", bits(y[0]), predicted[3]); failures++; }

    /* Bad state handles and bad streaming input. */
    expect(lstmgen_step(model, state + 1000, 5, y, 1), LSTMGEN_BAD_HANDLE, "step with an invented state");
    expect(lstmgen_step(model + 1000, state, 5, y, 1), LSTMGEN_BAD_HANDLE, "step with an invented model");
    expect(lstmgen_step(state, state, 5, y, 1), LSTMGEN_BAD_HANDLE, "step with a state handle as the model");
    expect(lstmgen_step(model, model, 5, y, 1), LSTMGEN_BAD_HANDLE, "step with the model handle as the state");
    expect(lstmgen_step(model, state, 5, NULL, 1), LSTMGEN_BAD_ARGUMENT, "step with NULL outputs");
    expect(lstmgen_step(model, state, 5, y, 0), LSTMGEN_BAD_ARGUMENT, "step into no room");
    expect(lstmgen_step(model, state, vocabulary, y, 1), LSTMGEN_BAD_TOKEN, "step a token past the vocabulary");
    expect(lstmgen_step(model, state, -1, y, 1), LSTMGEN_BAD_TOKEN, "step a negative token");
    expect(lstmgen_state_create(model + 1000, &resumed), LSTMGEN_BAD_HANDLE, "state_create on an invented model");
    expect(lstmgen_state_create(model, NULL), LSTMGEN_BAD_ARGUMENT, "state_create with a NULL state");
    expect(lstmgen_state_get(state, check, state_size - 1, NULL), LSTMGEN_BAD_ARGUMENT, "state_get into too little room");
    expect(lstmgen_state_get(state, NULL, state_size, NULL), LSTMGEN_BAD_ARGUMENT, "state_get into NULL");
    expect(lstmgen_state_set(state, saved, state_size - 1, 0), LSTMGEN_BAD_ARGUMENT, "state_set with too few values");
    expect(lstmgen_state_set(state, saved, state_size, -1), LSTMGEN_BAD_ARGUMENT, "state_set with a negative step count");
    saved[2] = NAN;
    expect(lstmgen_state_set(state, saved, state_size, 0), LSTMGEN_BAD_ARGUMENT, "state_set with a NaN");
    expect(lstmgen_state_size(NULL), LSTMGEN_BAD_ARGUMENT, "state_size into NULL");
    expect(lstmgen_save_with_state(model, state + 1000, state_path), LSTMGEN_BAD_HANDLE, "save_with_state with an invented state");
    expect(lstmgen_create_with_state("/nonexistent/model.lstmgen", &restarted, &resumed), LSTMGEN_BAD_FILE, "create_with_state from a missing file");
    expect(lstmgen_create_with_state(argv[1], &restarted, NULL), LSTMGEN_BAD_ARGUMENT, "create_with_state with a NULL state");
    expect(lstmgen_state_free(state), LSTMGEN_OK, "state_free");
    expect(lstmgen_state_free(state), LSTMGEN_BAD_HANDLE, "state_free twice");
    expect(lstmgen_step(model, state, 5, y, 1), LSTMGEN_BAD_HANDLE, "step after state_free");
    expect(lstmgen_state_reset(state), LSTMGEN_BAD_HANDLE, "state_reset after state_free");
    expect(lstmgen_state_free(resumed), LSTMGEN_OK, "state_free the loaded state");
    free(saved);
    free(check);

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
