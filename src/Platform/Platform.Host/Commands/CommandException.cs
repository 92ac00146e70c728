namespace Platform.Host.Commands;

/// <summary>A user-facing failure of a CLI command: its message is shown, without a stack trace.</summary>
internal sealed class CommandException(string message) : Exception(message);
