"""Loads the native library with ctypes (no .NET needed), loads the model file that example.c saved and prints the same
lines as ManagedReference/Program.cs: each output's float bits. Usage: python3 example.py LIBRARY.so MODEL_PATH"""
import ctypes
import struct
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.lstmgen_create.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64)]
lib.lstmgen_predict.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_int32), ctypes.c_int32, ctypes.POINTER(ctypes.c_float), ctypes.c_int32]
lib.lstmgen_predict_batch.argtypes = lib.lstmgen_predict.argtypes
lib.lstmgen_shape.argtypes = [ctypes.c_int64] + [ctypes.POINTER(ctypes.c_int32)] * 3
lib.lstmgen_free.argtypes = [ctypes.c_int64]
lib.lstmgen_last_error.restype = ctypes.c_char_p
lib.lstmgen_state_create.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_int64)]
lib.lstmgen_step.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_int32, ctypes.POINTER(ctypes.c_float), ctypes.c_int32]
lib.lstmgen_state_free.argtypes = [ctypes.c_int64]


def check(status, what):
    if status != 0:
        raise SystemExit(f"{what}: status {status}: {lib.lstmgen_last_error().decode()}")


def bits(f):
    return struct.unpack("<I", struct.pack("<f", f))[0]


handle = ctypes.c_int64()
check(lib.lstmgen_create(sys.argv[2].encode(), ctypes.byref(handle)), "create")
vocabulary, length, outputs = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
check(lib.lstmgen_shape(handle, ctypes.byref(vocabulary), ctypes.byref(length), ctypes.byref(outputs)), "shape")
V, T = vocabulary.value, length.value
y = (ctypes.c_float * 4)()
for r, n in enumerate([3, 8, T, 1]):
    tokens = (ctypes.c_int32 * n)(*[(r * 37 + i * 11 + 1) % V for i in range(n)])
    check(lib.lstmgen_predict(handle, tokens, n, y, 1), "predict")
    print(f"row {r}: {bits(y[0]):08x}")
batch = (ctypes.c_int32 * (4 * T))(*[(k // T * 13 + k % T * 7) % V for k in range(4 * T)])
check(lib.lstmgen_predict_batch(handle, batch, 4, y, 4), "predict_batch")
for r in range(4):
    print(f"batch {r}: {bits(y[r]):08x}")
# Streaming: row 1's tokens one at a time through a caller-owned state.
state = ctypes.c_int64()
check(lib.lstmgen_state_create(handle, ctypes.byref(state)), "state_create")
for i in range(8):
    check(lib.lstmgen_step(handle, state, (1 * 37 + i * 11 + 1) % V, y, 1), "step")
    print(f"step {i}: {bits(y[0]):08x}")
assert lib.lstmgen_step(handle, state.value + 1000, 5, y, 1) == 1
check(lib.lstmgen_state_free(state), "state_free")
# A bad handle is an error code, not a crash.
assert lib.lstmgen_predict(handle.value + 1000, batch, 3, y, 1) == 1
check(lib.lstmgen_free(handle), "free")
