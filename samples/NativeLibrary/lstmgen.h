/* lstmgen.h: the C ABI of samples/NativeLibrary (a generated LSTM, NativeAOT-compiled into a shared library).
 *
 * Every function returns a status code; on failure lstmgen_last_error() says why (this thread's last error). Handles are
 * numbers from a table, never pointers: a freed or invented handle returns LSTMGEN_BAD_HANDLE. Inference on one handle
 * may run on several threads at once. Strings are UTF-8, NUL-terminated. */
#ifndef LSTMGEN_H
#define LSTMGEN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    LSTMGEN_OK = 0,
    LSTMGEN_BAD_HANDLE = 1,   /* not a live model (or state) handle */
    LSTMGEN_BAD_ARGUMENT = 2, /* null pointer, bad count, output buffer too small */
    LSTMGEN_BAD_TOKEN = 3,    /* a token id outside [0, vocabulary size) */
    LSTMGEN_BAD_FILE = 4,     /* model file unreadable, damaged or for another model */
    LSTMGEN_INTERNAL = 5      /* anything else; see lstmgen_last_error() */
};

typedef int64_t lstmgen_handle;

/* A model with the weights of a model file (LstmGen's ModelFile format). */
int32_t lstmgen_create(const char* path, lstmgen_handle* handle);
/* A freshly initialised model (Keras-style initialisers, deterministic per seed). */
int32_t lstmgen_create_seeded(int32_t seed, lstmgen_handle* handle);
/* Writes the model file. */
int32_t lstmgen_save(lstmgen_handle handle, const char* path);
/* The model's sizes; any pointer may be NULL. */
int32_t lstmgen_shape(lstmgen_handle handle, int32_t* vocabulary_size, int32_t* sequence_length, int32_t* output_size);
/* One sequence of 0..sequence_length token ids (0 = padding) into output_size floats (capacity: floats at outputs). */
int32_t lstmgen_predict(lstmgen_handle handle, const int32_t* tokens, int32_t count, float* outputs, int32_t capacity);
/* rows x sequence_length token ids into rows x output_size floats. */
int32_t lstmgen_predict_batch(lstmgen_handle handle, const int32_t* tokens, int32_t rows, float* outputs, int32_t capacity);
/* Streaming (a state the caller owns, one token per call). A state is a handle too; one thread at a time may step a
 * state (another thread stepping it at the same moment gets LSTMGEN_BAD_ARGUMENT); many states may step on one model. */
typedef int64_t lstmgen_state;
/* A zero state (before a sequence's first token). It holds no weights: any live model handle can step it. */
int32_t lstmgen_state_create(lstmgen_handle handle, lstmgen_state* state);
/* Advances the state by one token (0 = padding: unchanged) and writes output_size floats: what lstmgen_predict gives
 * for the tokens stepped since the last reset (bit for bit). */
int32_t lstmgen_step(lstmgen_handle handle, lstmgen_state state, int32_t token, float* outputs, int32_t capacity);
/* Back to the zero state. */
int32_t lstmgen_state_reset(lstmgen_state state);
/* Floats in a state: layers x hidden for h, then as many for c (LSTM), PyTorch's (h_n, c_n) layout. */
int32_t lstmgen_state_size(int32_t* size);
/* The state's values (capacity >= lstmgen_state_size) and its step count (steps may be NULL). */
int32_t lstmgen_state_get(lstmgen_state state, float* values, int32_t capacity, int64_t* steps);
/* Sets the state from count = lstmgen_state_size finite values and a step count (the one lstmgen_state_get gave
 * continues bit for bit). */
int32_t lstmgen_state_set(lstmgen_state state, const float* values, int32_t count, int64_t steps);
/* Releases the state; the handle is dead afterwards. */
int32_t lstmgen_state_free(lstmgen_state state);
/* Writes the model file with the state in it (so a device can resume after a restart). */
int32_t lstmgen_save_with_state(lstmgen_handle handle, lstmgen_state state, const char* path);
/* A model and a state from a model file: the file's state, or the zero state when it holds none. */
int32_t lstmgen_create_with_state(const char* path, lstmgen_handle* handle, lstmgen_state* state);

/* Releases the model; the handle is dead afterwards. */
int32_t lstmgen_free(lstmgen_handle handle);
/* This thread's last error message, or "" when none; valid until this thread's next failing call. */
const char* lstmgen_last_error(void);
/* One line naming the kernel path, e.g. "LstmGen kernels: Vector256 (8 floats, AVX2 + FMA), X64, NativeAOT, L1d 32 KiB, L2 1024 KiB". */
const char* lstmgen_kernel_path(void);

#ifdef __cplusplus
}
#endif

#endif
