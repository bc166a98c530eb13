"""The native library from Python through ctypes (no .NET, no package): python3 demo.py LIB MODEL SENTENCE..."""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.lstmgen_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64)]
lib.lstmgen_predict_text.argtypes = [ctypes.c_int64, ctypes.c_char_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int32]
lib.lstmgen_close.argtypes = [ctypes.c_int64]
lib.lstmgen_last_error.restype = ctypes.c_char_p

handle = ctypes.c_int64()
if lib.lstmgen_open(sys.argv[2].encode(), ctypes.byref(handle)) != 0:
    sys.exit("open: " + lib.lstmgen_last_error().decode())
p = ctypes.c_float()
for sentence in sys.argv[3:]:
    if lib.lstmgen_predict_text(handle, sentence.encode(), ctypes.byref(p), 1) != 0:
        sys.exit("predict: " + lib.lstmgen_last_error().decode())
    print("%.9g\t%s" % (p.value, sentence))
lib.lstmgen_close(handle)
