import { describe, expect, it } from 'vitest';
import { holdsAskedFacts } from '../../../src/retrieval/asked-fact.js';
import { fold } from '../../../src/text/vietnamese.js';

const clauses = (q: string) => q.split(/[.,?]/).map((c) => c.trim().split(/\s+/));
const holds = (q: string, ...passages: string[]) => holdsAskedFacts(clauses(q), passages.map(fold));

describe('holdsAskedFacts', () => {
  it('asks nothing in particular of most questions', () => {
    expect(holds('làm sao đăng ký VNeID mức 2', 'Mang căn cước đến công an xã.')).toBe(true);
  });

  it('wants a sum, a share or "miễn phí" for a price', () => {
    const passage = 'Tổ công nghệ số đến từng nhà hướng dẫn.';
    expect(holds('làm thẻ căn cước mất bao nhiêu tiền', passage)).toBe(false);
    expect(holds('làm thẻ căn cước mất bao nhiêu tiền', 'Lần đầu cấp thẻ được miễn phí.')).toBe(true);
    expect(holds('nhà nước chi bao nhiêu tiền cho khoa học', 'Chi tối thiểu 3% tổng chi ngân sách.')).toBe(true);
    expect(holds('chia sẻ tin giả mức phạt là gì', 'Phạt từ 10 đến 20 triệu đồng.')).toBe(true);
    // "lệ phí" as the topic, not the question: "pay the fee on the phone with which app".
    expect(holds('nộp lệ phí trước bạ trên điện thoại dùng app gì', passage)).toBe(true);
  });

  it('wants a number for "how many", a phone number when one is asked for, digits for a day', () => {
    expect(holds('xã có bao nhiêu tổ công nghệ số', 'Mỗi thôn, bản có một tổ.')).toBe(false);
    expect(holds('tỉnh có bao nhiêu xã', 'Tỉnh có 36 xã và 2 phường.')).toBe(true);
    expect(holds('cho xin số điện thoại tổ công nghệ số bản Thẳm Pa', 'Hỏi trưởng bản.')).toBe(false);
    expect(holds('bị lừa thì báo số nào', 'Gọi 113 hoặc báo qua 156.')).toBe(true);
    // A message that mentions a number is not asking for one.
    expect(holds('sđt lạ gửi link bảo bấm vào nhận quà có sao không', 'Không bấm link lạ.')).toBe(true);
    expect(holds('họ bảo đăng ký nhầm bằng số điện thoại của tôi, nhờ đọc lại 6 số vừa gửi về máy. Mã đó là gì', 'Không đọc mã OTP cho ai.')).toBe(true);
    expect(holds('cuộc gọi video giống anh rể, giờ nhắn xin số tài khoản', 'Gọi lại số cũ của người thân để hỏi.')).toBe(true);
    expect(holds('số điện thoại đường dây nóng của công an tỉnh là gì', 'Báo công an xã.')).toBe(false);
    expect(holds('lớp học ở xã Bản Bo tháng này học thứ mấy', 'Lớp học ở nhà văn hóa.')).toBe(false);
    // A cue does not run across clauses: "một ngày. Mấy hôm đầu" does not ask "ngày mấy".
    expect(holds('thả tim được 200 nghìn một ngày. Mấy hôm đầu họ trả thật', 'Việc nhẹ lương cao là lừa đảo.')).toBe(true);
    expect(holds('lớp học kỹ năng số khai giảng ngày mấy', 'Lớp học ở nhà văn hóa.')).toBe(false);
  });

  it('wants the number to count the thing asked about, not any number in the passage', () => {
    expect(holds('Lai Châu có bao nhiêu sản phẩm OCOP', 'Năm 2025 nhiều sản phẩm của tỉnh đã lên sàn.')).toBe(false);
    expect(holds('Lai Châu có bao nhiêu sản phẩm OCOP', 'Tỉnh có 120 sản phẩm OCOP.')).toBe(true);
    expect(holds('đường dây bị phá có bao nhiêu người bị lừa', 'Bắt 64 đối tượng, khoảng 8.000 người bị hại.')).toBe(true);
    expect(holds('bn % dân dùng dịch vụ công', 'Mục tiêu 80% dân số dùng dịch vụ công trực tuyến.')).toBe(true);
    expect(holds('phong trào chia mấy giai đoạn', 'Phong trào chia làm hai giai đoạn.')).toBe(true);
    expect(holds('tỉnh có mấy xã', 'Tỉnh có nhiều xã vùng cao.')).toBe(false);
    // "mấy" as "a few" asks for no count.
    expect(holds('tôi phải giữ mấy tài khoản của hội, đặt mật khẩu thế nào cho mạnh', 'Dùng cụm từ dài, dễ nhớ.')).toBe(true);
    expect(holds('trong bản có mấy người hay đi từng nhà chỉ bà con cài app, họ là ai', 'Tổ công nghệ số cộng đồng.')).toBe(true);
    expect(holds('có mấy tài khoản lạ để ảnh gái xinh gửi kết bạn Zalo cho chồng tôi', 'Không kết bạn với người lạ.')).toBe(true);
    expect(holds('bản có mấy người tham gia tổ công nghệ số', 'Tổ công nghệ số cộng đồng.')).toBe(false);
  });

  it('asks a street address only of "địa chỉ ... ở đâu", not of "địa chỉ mới là xã gì"', () => {
    expect(holds('Sở Khoa học và Công nghệ ở địa chỉ nào', 'Sở tham mưu cho tỉnh.')).toBe(false);
    expect(holds('nay địa chỉ mới của tôi là xã gì', 'Xã Kan Hồ nay thuộc xã Mường Tè.')).toBe(true);
  });
});
