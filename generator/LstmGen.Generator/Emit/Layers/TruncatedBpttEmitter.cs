using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Truncated backpropagation through time for unidirectional recurrent models (token and dense): ComputeGradients
/// overloads that start every row from a given state and return the state after the window, in PyTorch's (h_n, c_n)
/// layout for the batch — h [Layers, B, HiddenSize], then (LSTM) c [Layers, B, HiddenSize]. Gradients stop at the window
/// start: the initial state is a constant.
/// </summary>
internal static class TruncatedBpttEmitter
{
    /// <summary>Whether a model gets the state overloads: unidirectional only (a reverse direction has no carried state).</summary>
    public static bool Applies(RecurrentPlan L) => L.D == 1;

    /// <summary>The StateSize constant.</summary>
    public static void EmitConstant(SourceWriter w, RecurrentPlan L, bool dense)
    {
        w.Line($$"""
            /// <summary>
            /// Floats of one row's recurrent state: Layers·HiddenSize{{(L.HasCellState ? "·2 (h, then c)" : " (h)")}}. A batch's state is PyTorch's (h_n{{(L.HasCellState ? ", c_n" : "")}}):
            /// h [Layers, B, HiddenSize]{{(L.HasCellState ? " then c [Layers, B, HiddenSize]" : "")}}, B·StateSize floats. A streaming <see cref="State"/> holds StateSize floats in the same
            /// layout for B = 1.
            /// </summary>
            public const int StateSize = Layers * HiddenSize{{(L.HasCellState ? " * 2" : "")}};

            int global::LstmGen.Training.{{(dense ? "IDenseTruncatedBpttModel" : "ITruncatedBpttModel")}}.StateSize => StateSize;

            """);
    }

    /// <summary>Per layer, after the state is cleared: h (and c) before the first step from <c>initialState</c> when it is given.</summary>
    public static string InitialState(bool lstm) => $$"""
        // Truncated BPTT: h{{(lstm ? " and c" : "")}} before the first step from initialState (zero when it is empty).
        if (!initialState.IsEmpty)
        {
            for (int b = 0; b < rows; b++)
            {
                initialState.Slice((layer * rows + b) * HiddenSize, HiddenSize).CopyTo(new LgSpan(ws, TrainH(rows) + b * DHP, HiddenSize));
        {{(lstm ? "        initialState.Slice(((Layers + layer) * rows + b) * HiddenSize, HiddenSize).CopyTo(new LgSpan(ws, TrainC0(rows) + (layer * rows + b) * HP, HiddenSize));\n" : "")}}    }
        }
        """;

    /// <summary>Per layer, after its steps: h after each row's last real step (unchanged past it), and the LSTM's c after step T − 1, into <c>finalState</c>.</summary>
    public static string FinalState(bool lstm) => $$"""
        // The state after the window: h after each row's last real step (unchanged past it){{(lstm ? ", c after step T − 1 (carried through padding)" : "")}}.
        if (!finalState.IsEmpty)
        {
            for (int b = 0; b < rows; b++)
            {
                new LgReadOnlySpan(ws, TrainH(rows) + b * DHP, HiddenSize).CopyTo(finalState.Slice((layer * rows + b) * HiddenSize, HiddenSize));
        {{(lstm ? "        new LgReadOnlySpan(ws, cs + ((SequenceLength - 1) * rows + b) * DHP, HiddenSize).CopyTo(finalState.Slice(((Layers + layer) * rows + b) * HiddenSize, HiddenSize));\n" : "")}}    }
        }
        """;

    /// <summary>The doc lines of a state overload.</summary>
    public static string Doc(ModelPlan f, string what) => $$"""
        /// <summary>
        /// Truncated backpropagation through time: as <see cref="ComputeGradients({{what}})"/>, but every
        /// row starts from <paramref name="initialState"/> (B·StateSize floats, PyTorch's (h_0, c_0) layout; empty = zero) and
        /// <paramref name="finalState"/> (B·StateSize floats, or empty) receives the state after the window, ready to be the next
        /// window's initial state. Gradients stop at the window start: the initial state is a constant (PyTorch's detach).
        /// </summary>
        /// <exception cref="global::System.ArgumentException">As the overload without state, or a state span of the wrong length or with a non-finite value.</exception>
        """;

    /// <summary>The state checks of an overload, once <c>rows</c> is known.</summary>
    public const string Checks = "global::LstmGen.StateChecks.Validate(initialState, finalState, rows, StateSize);";
}
