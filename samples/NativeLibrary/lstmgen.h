/* LstmGen sentiment model as a native library (NativeAOT): no .NET installation needed at run time.
 * Every function returns a status (LSTMGEN_OK or an error code); after an error, lstmgen_last_error() gives a message
 * for the calling thread. Handles are checked: a closed, foreign or null handle gives LSTMGEN_ERROR_HANDLE, never a
 * crash. A handle may be used from several threads at once, except that lstmgen_close must not race other calls on it. */
#ifndef LSTMGEN_H
#define LSTMGEN_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t lstmgen_handle;

enum lstmgen_status {
    LSTMGEN_OK = 0,
    LSTMGEN_ERROR_ARGUMENT = 1, /* a null pointer, a negative count, a buffer too small */
    LSTMGEN_ERROR_HANDLE = 2,   /* not an open handle */
    LSTMGEN_ERROR_FILE = 3,     /* the model file is missing, damaged or for another model */
    LSTMGEN_ERROR_INPUT = 4,    /* a token id out of range, a sequence too long, text that is not UTF-8 */
    LSTMGEN_ERROR_INTERNAL = 5
};

/* Opens a model file saved by the sentiment sample (--save FILE); *out receives the handle. */
int32_t lstmgen_open(const char *path_utf8, lstmgen_handle *out);

/* The model's fixed sizes: vocabulary, sequence length (tokens per row), outputs per row. Any pointer may be null. */
int32_t lstmgen_info(lstmgen_handle model, int32_t *vocabulary_size, int32_t *sequence_length, int32_t *output_size);

/* One sequence of token ids (0 = padding, at most sequence_length of them) → output_size probabilities. */
int32_t lstmgen_predict(lstmgen_handle model, const int32_t *tokens, int32_t token_count, float *output, int32_t output_capacity);

/* rows × sequence_length token ids, row-major → rows × output_size probabilities. */
int32_t lstmgen_predict_batch(lstmgen_handle model, const int32_t *tokens, int32_t rows, float *outputs, int32_t output_capacity);

/* Raw text (UTF-8), normalised and encoded with the vocabulary stored in the model file → probabilities. */
int32_t lstmgen_predict_text(lstmgen_handle model, const char *text_utf8, float *output, int32_t output_capacity);

/* Closes the handle; closing it again gives LSTMGEN_ERROR_HANDLE. */
int32_t lstmgen_close(lstmgen_handle model);

/* The calling thread's last error message (UTF-8), or "" after success. Valid until that thread's next call. */
const char *lstmgen_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
