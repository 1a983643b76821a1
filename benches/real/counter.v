module counter #(parameter WIDTH = 8) (
    input wire clk,
    input wire rst,
    input wire en,
    output reg [WIDTH-1:0] count,
    output wire wrap
);
    assign wrap = en && (count == {WIDTH{1'b1}});
    always @(posedge clk) begin
        if (rst)
            count <= 0;
        else if (en)
            count <= count + 1'b1;
    end
endmodule
