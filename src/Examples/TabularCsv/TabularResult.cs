namespace TabularCsv;

/// <summary>What a run of the example measured.</summary>
/// <param name="LabeledRows">Rows of train.csv with a class.</param>
/// <param name="TrainRows">Rows of train.csv.</param>
/// <param name="GanTestError">Share of test.csv the GAN misclassifies.</param>
/// <param name="LightGbmTestError">Share of test.csv LightGbm, fit on the labeled rows only, misclassifies.</param>
/// <param name="ReloadedAgreement">Share of test.csv where the model reloaded from model.zip predicts what the fitted one does.</param>
/// <param name="FirstTestClass">The class of the first test row.</param>
/// <param name="FirstTestPrediction">The reloaded model's prediction for it.</param>
internal sealed record TabularResult(int LabeledRows, int TrainRows, double GanTestError, double LightGbmTestError, double ReloadedAgreement,
    string FirstTestClass, string FirstTestPrediction);
