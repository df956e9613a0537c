using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Support;

public sealed record TransitionInput([property: MaxLength(InputBounds.Markdown)] string? Comment);
