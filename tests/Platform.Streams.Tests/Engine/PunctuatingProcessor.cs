using Platform.Streams.Processors;

namespace Platform.Streams.Tests.Engine;

/// <summary>Schedules one punctuator and forwards ("tick", time) each time it fires; records pass through.</summary>
internal sealed class PunctuatingProcessor(TimeSpan interval, PunctuationType type, int cancelAfter = int.MaxValue) : IProcessor<string, string, string, string>
{
    private IProcessorContext<string, string> _context = null!;
    private ICancellable _schedule = null!;
    private int _fired;

    public void Init(IProcessorContext<string, string> context)
    {
        _context = context;
        _schedule = context.Schedule(interval, type, Punctuate);
    }

    public void Process(Record<string, string> record) => _context.Forward(record);

    private void Punctuate(long time)
    {
        _context.Forward(new Record<string, string>("tick", time.ToString(System.Globalization.CultureInfo.InvariantCulture), time));
        if (++_fired >= cancelAfter)
        {
            _schedule.Cancel();
        }
    }
}
