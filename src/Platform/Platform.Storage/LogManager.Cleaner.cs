namespace Platform.Storage;

public sealed partial class LogManager
{
    private static Task[] StartCleaner(CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        return [];
    }
}
