namespace Platform.Client;

/// <summary>Where a partition without a position starts (<c>auto.offset.reset</c>).</summary>
public enum AutoOffsetReset
{
    /// <summary>At the end: only records produced from now on (<c>latest</c>, the default).</summary>
    Latest,

    /// <summary>At the log start offset (<c>earliest</c>).</summary>
    Earliest,

    /// <summary>Nowhere: consuming fails with <c>OFFSET_OUT_OF_RANGE</c> until the application seeks (<c>none</c>).</summary>
    Error,
}
