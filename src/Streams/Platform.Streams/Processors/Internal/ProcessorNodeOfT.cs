using Platform.Streams.Errors;

namespace Platform.Streams.Processors.Internal;

/// <summary>A node running a user's (or the DSL's) processor.</summary>
internal sealed class ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(
    string name,
    IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> processor,
    string[] storeNames)
    : ProcessorNode(name), IRecordReceiver<TKeyIn, TValueIn>
{
    private TaskContext _task = null!;

    // The processor's Process bound once: a call through IProcessor from this shared generic code would cost an
    // interface lookup and a stub dispatch per record (see Receiver).
    private readonly Action<Record<TKeyIn, TValueIn>> _process = processor.Process;

    public string[] StoreNames { get; } = storeNames;

    public IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> Processor { get; } = processor;

    public override void Init(TaskContext task)
    {
        _task = task;
        var context = new ProcessorContextImpl<TKeyOut, TValueOut>(task, this, Receivers.Of<TKeyOut, TValueOut>(this), StoreNames);
        try
        {
            Processor.Init(context);
        }
        catch (Exception e) when (e is not StreamsException)
        {
            throw new StreamsException($"Failed to initialize processor '{Name}' of task {task.TaskId}: {e.Message}", e);
        }

        if (Processor is IBufferingProcessor buffering)
        {
            // Under the same error handling as processing, like a punctuator.
            task.BufferingProcessors.Add(() => Punctuate(_ => buffering.Flush(), task.StreamTime));
        }
    }

    public void Process(Record<TKeyIn, TValueIn> record)
    {
        try
        {
            _process(record);
        }
        catch (Exception e) when (e is not (ProcessingFailedException or Runtime.TaskMigratedException))
        {
            Failed(e, record.Key, record.Value);
        }
    }

    /// <summary>Runs a punctuator of this node under the same error handling as processing.</summary>
    public override void Punctuate(Action<long> punctuator, long time)
    {
        try
        {
            punctuator(time);
        }
        catch (Exception e) when (e is not (ProcessingFailedException or Runtime.TaskMigratedException))
        {
            Failed(e, null, null);
        }
    }

    public override void Close() => Processor.Close();

    private void Failed(Exception exception, object? key, object? value)
    {
        var response = _task.ProcessingExceptionHandler.Handle(_task.ErrorContext(Name), key, value, exception);
        if (response == ProcessingHandlerResponse.Fail)
        {
            throw new ProcessingFailedException(
                $"Processor '{Name}' of task {_task.TaskId} failed on the record from {_task.Topic ?? "a punctuator"}-{_task.Partition}@{_task.Offset}: {exception.Message}",
                exception);
        }

        _task.SendToDeadLetterQueue(_task.RawKey, _task.RawValue, exception);
    }
}
