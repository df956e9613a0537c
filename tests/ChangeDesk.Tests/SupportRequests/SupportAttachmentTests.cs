using System.Net.Http.Headers;
using System.Text;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Api;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.SupportRequests;

/// <summary>Files attached to a request: checked on the way in, served as downloads, kept within the tenant.</summary>
public sealed class SupportAttachmentTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3];

    static Task<HttpResponseMessage> UploadAsync(TestUser user, string number, string name, string type, byte[] content)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        form.Add(file, "file", name);
        return user.Client.PostAsync($"/api/support-requests/{number}/attachments", form, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task BothSidesAttachFilesAndDownloadThemAsAttachments()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var reader = await app.CreateUserAsync(Role.TenantReader, admin.TenantId);
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var filed = await admin.FileAsync();
        var log = Encoding.UTF8.GetBytes("09:00:01 ERROR spooler: driver rejected\n");

        var withScreenshot = await (await UploadAsync(admin, filed.Number, "C:\\temp\\error screen.png", "image/png", Png)).ReadAsync<SupportRequestView>(201);
        Assert.Equal(filed.Version + 1, withScreenshot.Version);
        var withLog = await (await UploadAsync(engineer, filed.Number, "driver.log", "application/octet-stream", log)).ReadAsync<SupportRequestView>(201);

        Assert.Equal(
            [("error screen.png", "image/png", (long)Png.Length, admin.Email), ("driver.log", "text/plain", (long)log.Length, engineer.Email)],
            withLog.Attachments.Select(a => (a.FileName, a.ContentType, a.Size, a.UploadedBy)));
        foreach (var (attachment, bytes) in withLog.Attachments.Zip([Png, log]))
        {
            foreach (var user in new[] { admin, reader, engineer })
            {
                var download = await user.Client.GetAsync(attachment.Url, TestContext.Current.CancellationToken);
                await Expect.StatusAsync(download, 200);
                Assert.Equal(attachment.ContentType, download.Content.Headers.ContentType?.MediaType);
                Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
                Assert.Equal(attachment.FileName, download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
                Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
                Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            }
        }
        // Readers read; they do not attach.
        await Expect.ProblemAsync(await UploadAsync(reader, filed.Number, "more.png", "image/png", Png), 403, "forbidden");
    }

    [Fact]
    public async Task AFileThatIsNotWhatItClaimsOrTooLargeIsRefusedNamingTheField()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var filed = await admin.FileAsync();

        var disguised = await SupportSteps.ValidationProblemAsync(
            await UploadAsync(admin, filed.Number, "screen.png", "image/png", Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>")), "file");
        Assert.Contains("is not image/png", disguised.GetProperty("detail").GetString());
        await SupportSteps.ValidationProblemAsync(await UploadAsync(admin, filed.Number, "tool.exe", "application/octet-stream", [0x4D, 0x5A, 0x90, 0]), "file");
        var large = await SupportSteps.ValidationProblemAsync(
            await UploadAsync(admin, filed.Number, "huge.log", "text/plain", Encoding.ASCII.GetBytes(new string('x', 5 * 1024 * 1024 + 1))), "file");
        Assert.Contains("at most 5 MB", large.GetProperty("detail").GetString());
        await SupportSteps.ValidationProblemAsync(await admin.Client.PostAsync($"/api/support-requests/{filed.Number}/attachments",
            new MultipartFormDataContent { { new StringContent("x"), "other" } }, TestContext.Current.CancellationToken), "file");

        Assert.Empty((await admin.RequestAsync(filed.Number)).Attachments);
    }

    [Fact]
    public async Task AnotherTenantCanNeitherAttachNorDownload()
    {
        var (_, adminA) = await app.CreateTenantWithAdminAsync();
        var (_, adminB) = await app.CreateTenantWithAdminAsync();
        var filed = await adminA.FileAsync();
        var attached = await (await UploadAsync(adminA, filed.Number, "screen.png", "image/png", Png)).ReadAsync<SupportRequestView>(201);
        var url = Assert.Single(attached.Attachments).Url;

        await Expect.ProblemAsync(await adminB.Client.GetAsync(url, TestContext.Current.CancellationToken), 404, "not-found");
        await Expect.ProblemAsync(await UploadAsync(adminB, filed.Number, "mine.png", "image/png", Png), 404, "not-found");
        // An attachment id is only found under its own request.
        var other = await adminB.FileAsync();
        await Expect.ProblemAsync(await adminB.Client.GetAsync(url.Replace(filed.Number, other.Number), TestContext.Current.CancellationToken), 404, "not-found");
        Assert.Single((await adminA.RequestAsync(filed.Number)).Attachments);
    }

    [Fact]
    public async Task AClosedRequestTakesNoMoreFiles()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var engineer = await app.CreateUserAsync(Role.SupportEngineer);
        var filed = await admin.FileAsync();
        await engineer.ActAsync(filed.Number, "start");
        await engineer.ActAsync(filed.Number, "resolve");
        await admin.ActAsync(filed.Number, "close");

        await Expect.ProblemAsync(await UploadAsync(admin, filed.Number, "late.png", "image/png", Png), 409, "request-closed");
    }
}
