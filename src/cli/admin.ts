/**
 * Staff accounts and code checks from the server's shell:
 *   npm run admin -- add-user <username> --role admin|viewer [--organisation "<name>"] [--password <pw>]
 *   npm run admin -- disable-user <username>
 *   npm run admin -- list-users
 *   npm run admin -- verify-code <code>
 * In the Docker image: `node dist/cli/admin.js ...`. Reads the same settings as the server (DATA_DIR, ...). Without --password the password is asked
 * on the terminal (hidden) or read from the first line of stdin when piped.
 */
import readline from 'node:readline';
import { loadConfigOrExit, type Config } from '../config.js';
import { openStore } from '../storage/index.js';
import { Directory } from '../participation/directory.js';
import { DISABLED_HASH, hashPassword } from '../admin/passwords.js';
import { loadQuizzes } from '../quiz/bank.js';
import { vnDateTime } from '../participation/stats.js';

const USAGE = `Cách dùng:
  npm run admin -- add-user <tên đăng nhập> --role admin|viewer [--organisation "<tên tổ chức>"] [--password <mật khẩu>]
  npm run admin -- disable-user <tên đăng nhập>
  npm run admin -- list-users
  npm run admin -- verify-code <mã hoàn thành>

  admin : xem và xuất số liệu của mọi tổ chức.
  viewer: chỉ xem và xuất số liệu của tổ chức mình (bắt buộc --organisation).`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`Thiếu giá trị cho ${a}`);
        options.set(a.slice(2), v);
        i++;
      }
    } else positional.push(a);
  }
  return { positional, options };
}

/** Hidden input on a terminal; the first line of stdin otherwise (for scripts). */
async function readPassword(prompt: string): Promise<string> {
  const tty = !!process.stdin.isTTY;
  // Piped: no prompt on stdout, so scripts can capture the result line alone.
  const rl = readline.createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  if (tty) {
    // Echo nothing while the password is typed.
    const rlw = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
    rlw._writeToOutput = (s: string) => { if (s.includes(prompt) || s === '\r\n' || s === '\n') rlw.output.write(s); };
  }
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(prompt, (answer) => resolve(answer));
      rl.once('close', () => reject(new UsageError('Không đọc được mật khẩu.')));
    });
  } finally {
    rl.close();
    if (tty) process.stdout.write('\n');
  }
}

async function addUser(config: Config, args: ReturnType<typeof parseArgs>): Promise<void> {
  const [, rawName] = args.positional;
  if (!rawName) throw new UsageError('Thiếu tên đăng nhập.');
  const username = rawName.toLowerCase();
  if (!/^[a-z0-9._-]{3,64}$/.test(username)) throw new UsageError('Tên đăng nhập gồm 3–64 ký tự: chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang.');
  const role = args.options.get('role');
  if (role !== 'admin' && role !== 'viewer') throw new UsageError('Cần --role admin hoặc --role viewer.');

  let organisation: string | undefined;
  const orgArg = args.options.get('organisation');
  if (orgArg) {
    const directory = Directory.load(config.knowledgeDir);
    const org = directory.findOrganisation(orgArg);
    if (!org) throw new UsageError(`Không có tổ chức "${orgArg}". Chọn một trong: ${directory.organisations.map((o) => o.name).join(', ')}.`);
    organisation = org.name;
  }
  if (role === 'viewer' && !organisation) throw new UsageError('Tài khoản viewer cần --organisation "<tên tổ chức>".');

  let password = args.options.get('password');
  if (password === undefined) {
    password = await readPassword(`Mật khẩu cho ${username}: `);
    if (process.stdin.isTTY && password !== (await readPassword('Nhập lại mật khẩu: '))) throw new UsageError('Hai lần nhập mật khẩu không khớp.');
  }
  if (password.length < 10) throw new UsageError('Mật khẩu cần ít nhất 10 ký tự.');

  const store = await openStore(config);
  try {
    await store.migrate();
    const existed = await store.staff.getStaffUser(username);
    await store.staff.saveStaffUser({ username, passwordHash: await hashPassword(password), role, organisation: organisation ?? null });
    // A new password ends every session opened with the old one (a stolen cookie dies with the reset).
    const ended = existed ? await store.staff.deleteStaffSessionsOf(username) : 0;
    await store.staff.logAudit('cli', existed ? 'update_user' : 'add_user', JSON.stringify({ username, role, organisation: organisation ?? null, sessionsEnded: ended }));
    console.log(`${existed ? 'Đã cập nhật' : 'Đã tạo'} tài khoản ${username} (${role}${organisation ? `, ${organisation}` : ''}).`
      + (ended ? ` Đã đăng xuất ${ended} phiên đang mở.` : ''));
  } finally {
    await store.close();
  }
}

async function disableUser(config: Config, args: ReturnType<typeof parseArgs>): Promise<void> {
  const username = args.positional[1]?.toLowerCase();
  if (!username) throw new UsageError('Thiếu tên đăng nhập.');
  const store = await openStore(config);
  try {
    await store.migrate();
    const user = await store.staff.getStaffUser(username);
    if (!user) throw new UsageError(`Không có tài khoản ${username}.`);
    // No password matches the marker, and open sessions are refused on their next request.
    await store.staff.saveStaffUser({ ...user, passwordHash: DISABLED_HASH });
    const ended = await store.staff.deleteStaffSessionsOf(username);
    await store.staff.logAudit('cli', 'disable_user', JSON.stringify({ username, sessionsEnded: ended }));
    console.log(`Đã khoá tài khoản ${username}. Tạo lại bằng add-user để mở khoá với mật khẩu mới.`);
  } finally {
    await store.close();
  }
}

async function listUsers(config: Config): Promise<void> {
  const store = await openStore(config);
  let rows;
  try {
    await store.migrate();
    rows = await store.staff.listStaffUsers();
  } finally {
    await store.close();
  }
  if (!rows.length) return console.log('Chưa có tài khoản nào.');
  const w = Math.max(...rows.map((r) => r.username.length), 'Tên đăng nhập'.length);
  console.log(`${'Tên đăng nhập'.padEnd(w)}  ${'Vai trò'.padEnd(7)}  Tổ chức`);
  for (const r of rows) {
    console.log(`${r.username.padEnd(w)}  ${r.role.padEnd(7)}  ${r.organisation ?? '(tất cả)'}${r.passwordHash === DISABLED_HASH ? '  [đã khoá]' : ''}`);
  }
}

async function verifyCode(config: Config, args: ReturnType<typeof parseArgs>): Promise<boolean> {
  const code = args.positional[1]?.trim();
  if (!code) throw new UsageError('Thiếu mã cần kiểm tra.');
  const store = await openStore(config);
  try {
    await store.migrate();
    const found = (await store.participation.findCompletionCode(code)) ?? (await store.participation.findCompletionCode(code.toUpperCase()));
    if (!found) {
      console.log(`Không tìm thấy mã ${code}.`);
      return false;
    }
    const title = loadQuizzes(config.knowledgeDir).find((q) => q.id === found.quizId)?.title ?? found.quizId;
    console.log(`Mã ${found.code}: bài "${title}", đúng ${found.score}/${found.total} câu, ngày ${vnDateTime(found.at)} (giờ Việt Nam).`);
    return true;
  } finally {
    await store.close();
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const command = args.positional[0];
  if (!command || command === 'help' || args.options.has('help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfigOrExit();
  switch (command) {
    case 'add-user': await addUser(config, args); return 0;
    case 'disable-user': await disableUser(config, args); return 0;
    case 'list-users': await listUsers(config); return 0;
    case 'verify-code': return (await verifyCode(config, args)) ? 0 : 1;
    default: throw new UsageError(`Không có lệnh "${command}".`);
  }
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
  else console.error(err instanceof Error ? err.message : err);
  process.exitCode = 2;
});
