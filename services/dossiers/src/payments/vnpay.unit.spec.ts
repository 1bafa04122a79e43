import t from 'tap';
import { createHmac } from 'node:crypto';
import { vnpayDate, vnpayProvider, vnpaySignData, vnpaySignature } from './vnpay.js';

const terminal = { url: 'https://sandbox.vnpayment.vn/paymentv2/vpcpay.html', tmnCode: 'LTTEST01', secret: 'SECRETSECRETSECRET' };
const provider = vnpayProvider(terminal);

t.test('signed data: vnp_* but the hash, non-empty, sorted by name, values form-encoded', async (t) => {
  const data = vnpaySignData({
    vnp_TxnRef: 'abc1',
    vnp_Amount: '5000000',
    vnp_OrderInfo: 'Thanh toan phi ho so 000.00.12.H40-260309-0002',
    vnp_ReturnUrl: 'https://hub.example/v1/payments/vnpay/return',
    vnp_BankCode: '',
    vnp_SecureHash: 'ff',
    vnp_SecureHashType: 'HmacSHA512',
    other: 'x',
  });
  t.equal(
    data,
    'vnp_Amount=5000000&vnp_OrderInfo=Thanh+toan+phi+ho+so+000.00.12.H40-260309-0002&vnp_ReturnUrl=https%3A%2F%2Fhub.example%2Fv1%2Fpayments%2Fvnpay%2Freturn&vnp_TxnRef=abc1',
  );
  t.equal(vnpaySignature({ vnp_A: '1' }, 'k'), createHmac('sha512', 'k').update('vnp_A=1').digest('hex'), 'HMAC-SHA512, hex');
  t.equal(vnpayDate(new Date('2026-03-09T17:30:05Z')), '20260310003005', 'GMT+7');
});

t.test('the redirect carries the signed parameters; a callback is verified, amount ÷ 100, paid only on 00 and 00', async (t) => {
  const url = new URL(
    provider.redirectUrl({
      attemptRef: 'abc1',
      amount: 8_000,
      description: 'Thanh toan phi ho so X',
      clientIp: '203.0.113.7',
      returnUrl: 'https://hub.example/v1/payments/vnpay/return',
      createdAt: new Date('2026-03-09T01:00:00Z'),
      expiresAt: new Date('2026-03-09T01:15:00Z'),
    }),
  );
  const params = Object.fromEntries(url.searchParams);
  t.match(params, { vnp_Amount: '800000', vnp_CreateDate: '20260309080000', vnp_ExpireDate: '20260309081500', vnp_TmnCode: 'LTTEST01' });
  t.equal(params.vnp_SecureHash, vnpaySignature(params, terminal.secret));

  const ipn = { vnp_TmnCode: 'LTTEST01', vnp_Amount: '800000', vnp_TxnRef: 'abc1', vnp_ResponseCode: '00', vnp_TransactionStatus: '00' };
  const signed = { ...ipn, vnp_SecureHash: vnpaySignature(ipn, terminal.secret) };
  t.match(provider.verify(signed), { verified: true, notice: { attemptRef: 'abc1', amount: 8_000, paid: true } });
  const declined = { ...ipn, vnp_ResponseCode: '24', vnp_TransactionStatus: '02' };
  t.match(provider.verify({ ...declined, vnp_SecureHash: vnpaySignature(declined, terminal.secret) }), {
    verified: true,
    notice: { paid: false },
  });
  t.match(provider.verify({ ...signed, vnp_Amount: '900000' }), { verified: false, attemptRef: 'abc1' }, 'a changed amount');
  t.match(provider.verify({ ...signed, vnp_SecureHash: signed.vnp_SecureHash.toUpperCase() }), { verified: true }, 'hex in either case');
  t.match(provider.verify({ ...ipn, vnp_SecureHash: 'zz' }), { verified: false });
  t.match(provider.verify({ ...signed, vnp_TxnRef: ['abc1', 'abc2'] }), { verified: false }, 'a repeated parameter');
  const otherTerminal = { ...ipn, vnp_TmnCode: 'OTHER' };
  t.match(provider.verify({ ...otherTerminal, vnp_SecureHash: vnpaySignature(otherTerminal, terminal.secret) }), { verified: false });
});
