using LstmGen;

namespace LstmGen.Samples.Forecast;

/// <summary>
/// The forecaster's network: 36 months of three features (the window-level log value and the month as sin and cos, scaled) → LSTM(32) → Dense(1),
/// linear output, trained on mean squared error. Small on purpose: the airline series has about 100 training windows.
/// </summary>
[LstmModel(InputSize = WindowLevel.Features, HiddenSize = 32, SequenceLength = 24, OutputSize = 1, Output = OutputActivation.Linear)]
public sealed partial class PassengerModel;
