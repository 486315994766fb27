namespace Microsoft.ML.Gan;

public sealed partial class SemiSupervisedGanTrainer
{
    // Columns and data: which columns the trainer reads and writes, how the features are scaled, and whether the
    // unlabeled rows are held in memory or streamed.
    public sealed partial class Options
    {
        /// <summary>Label column: a key type; key 0 (missing) marks an unlabeled row. Default "Label".</summary>
        public string LabelColumnName = ColumnNames.Label;

        /// <summary>Feature column: a vector of Single of known size, e.g. pixels scaled to [0,1]. Default "Features".</summary>
        public string FeatureColumnName = ColumnNames.Features;

        /// <summary>Output column of the K class probabilities (vector of Single), and the ONNX graph's output of the same name. Default "Score".</summary>
        public string ScoreColumnName = ColumnNames.Score;

        /// <summary>
        /// Output column of the predicted label (a key with the label's key values), and the ONNX graph's output of the
        /// same name (the label value). Must differ from <see cref="ScoreColumnName"/>. Default "PredictedLabel".
        /// </summary>
        public string PredictedLabelColumnName = ColumnNames.PredictedLabel;

        /// <summary>
        /// What the trainer does with the features' scale. Default <see cref="Gan.FeatureScaling.Auto"/>: pixel data (the
        /// convolutional architecture, or at least 256 features all in [0, 1]) and binary data (only 0 and 1) are left as
        /// they are, anything else (e.g. tabular
        /// rows, raw or min-max scaled) is standardised per slot with the training rows' mean and standard deviation, and
        /// the exported model applies the same standardisation.
        /// </summary>
        public FeatureScaling FeatureScaling = FeatureScaling.Auto;

        /// <summary>
        /// When set, the unlabeled rows are not held in memory: each epoch streams them from the data view's cursor
        /// through a shuffle buffer of this many rows (two buffers: discriminator and feature matching), and only the
        /// labeled rows are kept. Memory then stays flat as the data grows; the order is shuffled only within the
        /// buffer, so keep it large (e.g. 10,000 rows or more) and the data not sorted by class. Default null (all rows in memory).
        /// </summary>
        public int? StreamingShuffleBufferSize;
    }
}
