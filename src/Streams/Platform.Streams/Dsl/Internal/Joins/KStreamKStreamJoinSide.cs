namespace Platform.Streams.Dsl.Internal.Joins;

/// <summary>
/// What one side's join processor needs to know: the stores, which side it is, the window seen from its side
/// (a right record looks back <c>After</c> and ahead <c>Before</c>), and the joiner turned to take this side's
/// value first.
/// </summary>
internal sealed class KStreamKStreamJoinSide<TKey, TThis, TOther, TLeft, TRight, TOut>
{
    private readonly JoinWindows _windows;
    private readonly Func<TKey, TLeft?, TRight?, TOut> _leftJoiner;

    public KStreamKStreamJoinSide(
        bool isLeftSide,
        bool outer,
        JoinWindows windows,
        string leftWindowStoreName,
        string otherWindowStoreName,
        string? outerJoinStoreName,
        Func<TKey, TThis, TOther?, TOut> joiner,
        Func<TThis, LeftOrRightValue<TLeft, TRight>> wrap,
        Func<TKey, TLeft?, TRight?, TOut> leftJoiner)
    {
        IsLeftSide = isLeftSide;
        Outer = outer;
        _windows = windows;
        LeftWindowStoreName = leftWindowStoreName;
        OtherWindowStoreName = otherWindowStoreName;
        OuterJoinStoreName = outerJoinStoreName;
        Joiner = joiner;
        Wrap = wrap;
        _leftJoiner = leftJoiner;
    }

    /// <summary>Whether this is the left stream's processor.</summary>
    public bool IsLeftSide { get; }

    /// <summary>Whether this side's records are emitted without a partner (left side of left joins, both sides of outer joins).</summary>
    public bool Outer { get; }

    /// <summary>The left side's window store (both processors are connected to it: it identifies their task).</summary>
    public string LeftWindowStoreName { get; }

    /// <summary>The other side's window store.</summary>
    public string OtherWindowStoreName { get; }

    /// <summary>The shared outer-join store, for left and outer joins.</summary>
    public string? OuterJoinStoreName { get; }

    /// <summary>The joiner with this side's value first; the other value is default when missing.</summary>
    public Func<TKey, TThis, TOther?, TOut> Joiner { get; }

    /// <summary>Wraps this side's value for the outer-join store.</summary>
    public Func<TThis, LeftOrRightValue<TLeft, TRight>> Wrap { get; }

    /// <summary>How far back from this side's record the other side's partners may be.</summary>
    public long LookBeforeMs => IsLeftSide ? _windows.BeforeMs : _windows.AfterMs;

    /// <summary>How far ahead of this side's record the other side's partners may be.</summary>
    public long LookAfterMs => LookAfterOf(IsLeftSide);

    /// <summary>The smaller of both sides' look-ahead: no waiting record closes earlier than this.</summary>
    public long MinLookAfterMs => Math.Min(_windows.BeforeMs, _windows.AfterMs);

    /// <summary>The grace period.</summary>
    public long GraceMs => _windows.GracePeriodMs;

    /// <summary>How far ahead of a record of the given side its partners may be: its window closes there (plus grace).</summary>
    public long LookAfterOf(bool leftSide) => leftSide ? _windows.AfterMs : _windows.BeforeMs;

    /// <summary>The result for a waiting record whose window closed without a partner.</summary>
    public TOut NullJoiner(TKey key, LeftOrRightValue<TLeft, TRight> value)
        => value.IsLeft ? _leftJoiner(key, value.Left, default) : _leftJoiner(key, default, value.Right);
}
