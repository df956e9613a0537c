using ChangeDesk.Web;
using MaxLength = System.ComponentModel.DataAnnotations.MaxLengthAttribute;

namespace ChangeDesk.Support;

public sealed record CommentInput([property: MaxLength(InputBounds.Markdown)] string? Body, bool Internal = false);
