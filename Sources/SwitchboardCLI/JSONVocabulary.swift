/// The one vocabulary of every `--json` output: which members each object has and what they hold.
///
/// Rules (the README's "JSON output" section says the same):
/// - every object printed at the top level has `"schema": 1` (`version`);
/// - times are seconds in a member ending `_seconds`; sizes are bytes in one ending `_bytes`;
///   counts are integers in one ending `_count`; fractions (accuracy, coverage) are in [0, 1];
/// - a member holding a list has a plural name (`labels` is always a list of names,
///   `label_count` its length); `top` is the ranked list of `{label, confidence}`;
/// - `confidence` is a label's probability (there is no `probability` member);
/// - `model` is a model file that was read, `output` a file that was written;
/// - numbers are the shortest decimal that reads back as the same value; a value that is exactly a
///   32-bit float is printed as the float's shortest decimal (0.01, never 0.009999999776482582):
///   see `JSON.shortest`.
///
/// A member's type is `integer`, `number`, `string`, `boolean`, `object` (free-form), `@shape`
/// (the named shape below), `[T]` (a list of T) or `{T}` (an object whose values are T, e.g.
/// keyed by label); a trailing `?` means it may be null. Members in `optional` may be absent.
///
/// The one exception to the naming rules is a shape's `aliases`: a member that restates another
/// member of the same object in a unit external tools already read (`bench`'s `p50_us` is
/// `latency_p50_seconds` in microseconds). An alias is also listed in `required`, is a number,
/// and names the member it restates.
enum JSONVocabulary {
    /// The value of `"schema"` in every top-level object.
    static let version = 1

    /// One object's members.
    struct Shape {
        var required: [String: String]
        var optional: [String: String] = [:]
        /// Alias name → the member it restates in another unit (see the type's documentation).
        var aliases: [String: String] = [:]
    }

    /// The shape each subcommand prints (one object, or one per line for predict and explain).
    static let commands: [String: String] = [
        "train": "train", "evaluate": "evaluate", "calibrate": "calibrate", "predict": "predict",
        "inspect": "inspect", "compress": "compress", "bench": "bench", "explain": "explain",
        "embeddings import": "embeddings_import", "embeddings check-ids": "embeddings_check_ids",
        "crossval": "crossval", "doctor": "doctor",
    ]

    static let shapes: [String: Shape] = [
        "train": Shape(
            required: ["schema": "integer", "output": "string", "output_bytes": "integer", "example_count": "integer",
                       "labels": "[string]", "label_count": "integer", "epochs_run": "integer",
                       "max_epochs": "integer", "best_epoch": "integer", "elapsed_seconds": "number",
                       "weight_encoding": "string", "bucket_bits": "integer"],
            optional: ["validation_accuracy": "number", "validation_example_count": "integer",
                       "calibration": "@calibration", "skipped_row_count": "integer",
                       "features": "@trained_features", "init": "@warm_start"]),
        "warm_start": Shape(
            required: ["model": "string", "parent_checksum": "string", "parent_label_count": "integer",
                       "added_row_count": "integer", "added_labels": "[string]", "calibration_stale": "boolean"]),
        "trained_features": Shape(
            required: ["ngrams": "boolean", "semantic": "boolean", "note": "string"],
            optional: ["embedding_pack": "string", "embedding_pack_checksum": "string",
                       "embedding_dimension_count": "integer", "embedding_reduction": "string",
                       "embedding_pooling": "string", "embedding_weight": "number"]),
        "calibration": Shape(
            required: ["temperature": "number", "threshold": "number", "unknown_label": "string",
                       "ece_before": "number", "ece_after": "number", "coverage": "number",
                       "answered_accuracy": "number", "in_scope_accuracy": "number", "unknown_recall": "number?",
                       "example_count": "integer"],
            optional: ["warnings": "[string]"]),
        "calibrate": Shape(
            required: ["schema": "integer", "model": "string", "output": "string", "calibration": "@calibration"]),
        "evaluate": Shape(
            required: ["schema": "integer", "model": "string", "example_count": "integer", "accuracy": "number",
                       "macro_f1": "number", "ece": "number", "per_label": "{@label_metrics}",
                       "confusions": "[@confusion]"],
            optional: ["threshold": "number", "coverage": "number", "answered_accuracy": "number",
                       "in_scope_accuracy": "number", "unknown_recall": "number?"]),
        "label_metrics": Shape(
            required: ["precision": "number", "recall": "number", "f1": "number", "example_count": "integer"]),
        "confusion": Shape(
            required: ["label": "string", "predicted_label": "string", "example_count": "integer"]),
        "predict": Shape(
            required: ["schema": "integer", "text": "string", "label": "string", "confidence": "number",
                       "abstained": "boolean", "top": "[@ranked_label]"]),
        "ranked_label": Shape(required: ["label": "string", "confidence": "number"]),
        "inspect": Shape(
            required: ["schema": "integer", "model": "string", "model_bytes": "integer", "format_version": "integer",
                       "labels": "[string]", "label_count": "integer", "features": "@features",
                       "row_stride": "integer", "weight_encoding": "string", "section_bytes": "{integer}",
                       "calibration": "@model_calibration?", "semantic": "@semantic_block?", "metadata": "object"]),
        "semantic_block": Shape(
            required: ["dimension_count": "integer", "token_count": "integer", "merge_count": "integer",
                       "weight": "number", "table_encoding": "string", "pooling": "string", "feature_count": "integer",
                       "block_bytes": "integer"]),
        "model_calibration": Shape(
            required: ["temperature": "number", "threshold": "number?", "unknown_label": "string"]),
        "features": Shape(
            required: ["bucket_bits": "integer", "bucket_count": "integer", "word_ngram_min": "integer",
                       "word_ngram_max": "integer", "char_ngram_min": "integer", "char_ngram_max": "integer",
                       "fold_diacritics": "boolean", "sublinear_tf": "boolean", "idf": "boolean", "ngram_norm": "string"]),
        "compress": Shape(
            required: ["schema": "integer", "model": "string", "model_bytes": "integer", "output": "string",
                       "output_bytes": "integer", "weight_bits": "integer", "bucket_bits": "integer",
                       "weight_encoding": "string"]),
        "bench": Shape(
            required: ["schema": "integer", "model": "string", "model_bytes": "integer", "load_seconds": "number",
                       "latency_p50_seconds": "number", "latency_p90_seconds": "number",
                       "latency_p99_seconds": "number", "latency_p999_seconds": "number",
                       "latency_max_seconds": "number", "latency_mean_seconds": "number", "sample_count": "integer",
                       "timer_overhead_seconds": "number", "page_fault_count": "integer",
                       "context_switch_count": "integer", "queries_per_second": "number",
                       "queries_per_second_all_threads": "number", "thread_count": "integer",
                       "allocations_per_query": "number?", "resident_bytes": "integer?", "query_count": "integer",
                       "p50_us": "number", "p99_us": "number", "load_ms": "number"],
            // The project scorecard and earlier scripts read these three names.
            aliases: ["p50_us": "latency_p50_seconds", "p99_us": "latency_p99_seconds", "load_ms": "load_seconds"]),
        "explain": Shape(
            required: ["schema": "integer", "text": "string", "label": "string", "predicted_label": "string?",
                       "logit": "number", "bias": "number", "confidence": "number", "runner_up_label": "string?",
                       "runner_up_logit": "number?", "margin": "number?", "contributions": "[@contribution]",
                       "omitted_count": "integer", "omitted_contribution": "number"]),
        "contribution": Shape(
            required: ["name": "string", "bucket": "integer?", "ngrams": "[@ngram]", "value": "number",
                       "weight": "number", "contribution": "number", "collision": "boolean"]),
        "ngram": Shape(required: ["kind": "string", "text": "string", "occurrence_count": "integer"]),
        "embeddings_import": Shape(
            required: ["schema": "integer", "name": "string", "output": "string", "output_bytes": "integer",
                       "token_count": "integer", "merge_count": "integer", "dimension_count": "integer",
                       "checksum": "string"]),
        "crossval": Shape(
            required: ["schema": "integer", "fold_count": "integer", "example_count": "integer",
                       "elapsed_seconds": "number", "accuracy": "@mean_std", "macro_f1": "@mean_std",
                       "pooled_accuracy": "number", "fold_accuracies": "[number]", "fold_macro_f1s": "[number]",
                       "fold_example_counts": "[integer]", "label_recalls": "[@label_recall]",
                       "small_labels": "[string]", "on_small_labels": "string"],
            optional: ["search": "@search"]),
        "doctor": Shape(
            required: ["schema": "integer", "training_file": "string", "example_count": "integer", "label_count": "integer",
                       "duplicate_row_count": "integer", "fold_count": "integer", "finding_counts": "{integer}",
                       "elapsed_seconds": "number", "findings": "[@doctor_finding]", "blocking": "boolean"],
            optional: ["test_file": "string", "test_example_count": "integer", "out_of_fold_accuracy": "number"]),
        "doctor_finding": Shape(
            required: ["kind": "string", "message": "string", "rows": "[@doctor_row]"],
            optional: ["suggested_label": "string", "score": "number"]),
        "doctor_row": Shape(required: ["file": "string", "line": "integer", "text": "string", "label": "string"]),
        "mean_std": Shape(required: ["mean": "number", "std": "number"]),
        "label_recall": Shape(
            required: ["label": "string", "example_count": "integer", "recall": "number", "fold_recall": "@mean_std"]),
        "search": Shape(
            required: ["candidates": "[@search_candidate]", "winner": "@search_options", "fit_count": "integer",
                       "rounds": "[integer]", "train_command": "string"]),
        "search_candidate": Shape(
            required: ["options": "@search_options", "folds": "[integer]", "accuracy": "@mean_std",
                       "macro_f1": "@mean_std"]),
        "search_options": Shape(
            required: ["bucket_bits": "integer", "learning_rate": "number", "max_epochs": "integer", "l2": "number"]),
        "embeddings_check_ids": Shape(
            required: ["schema": "integer", "text_count": "integer", "identical_count": "integer",
                       "identical_fraction": "number", "first_mismatches": "[string]"]),
    ]

    /// The vocabulary itself as JSON (`switchboard json-schema`), for tools and the tests.
    static var json: JSON {
        .object([
            "schema": .number(version),
            "commands": .object(commands.mapValues(JSON.string)),
            "shapes": .object(shapes.mapValues { shape in
                ["required": .object(shape.required.mapValues(JSON.string)),
                 "optional": .object(shape.optional.mapValues(JSON.string)),
                 "aliases": .object(shape.aliases.mapValues(JSON.string))]
            }),
        ])
    }

    /// `members` as a top-level object of the vocabulary: `"schema": 1` added.
    static func document(_ members: [String: JSON]) -> JSON {
        var members = members
        members["schema"] = .number(version)
        return .object(members)
    }
}

