using Platform.Connect;

namespace Platform.Connectors.Postgres.Cdc;

/// <summary>What the stream reader hands the task, in WAL order: a record, or a checkpoint (a commit's end LSN) after a transaction's records.</summary>
internal readonly record struct CdcItem(SourceRecord? Record, ulong Checkpoint);
